#include "engine/safetensors.h"

#include <limits>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace lmh {
namespace {

// A header larger than this is not a model header but a corrupt or hostile length field.
constexpr std::uint64_t kMaxHeaderBytes = 100ull << 20;

DType parse_dtype(const std::string& s, const std::string& where) {
    if (s == "F32") return DType::F32;
    if (s == "F16") return DType::F16;
    if (s == "BF16") return DType::BF16;
    throw Error(where + ": unsupported dtype '" + s + "' (supported: F32, F16, BF16)");
}

}  // namespace

TensorFile SafetensorsFile::open(const std::filesystem::path& path) {
    const std::string p = path.string();
    TensorFile f = TensorFile::map(path, 8, "safetensors");
    const std::byte* map = f.mapped().data();
    const std::uint64_t size = f.mapped().size();

    std::uint64_t header_len = 0;
    for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(map[i]) << (8 * i);  // little endian
    if (header_len > size - 8)
        throw Error(p + ": header length " + std::to_string(header_len) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes): truncated or corrupt");
    if (header_len > kMaxHeaderBytes) throw Error(p + ": header length " + std::to_string(header_len) + " is implausibly large");
    const std::size_t data_offset = 8 + header_len;
    const std::size_t data_size = size - data_offset;
    std::vector<TensorInfo> tensors;
    std::map<std::string, std::string> metadata;

    nlohmann::json h;
    try {
        h = nlohmann::json::parse(reinterpret_cast<const char*>(map + 8),
                                  reinterpret_cast<const char*>(map + 8 + header_len));
    } catch (const nlohmann::json::exception& e) {
        throw Error(p + ": header is not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!h.is_object()) throw Error(p + ": header is not a JSON object");

    for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") {
            if (!it->is_object()) throw Error(p + ": __metadata__ is not an object");
            for (auto m2 = it->begin(); m2 != it->end(); ++m2)
                if (m2->is_string()) metadata[m2.key()] = m2->get<std::string>();
            continue;
        }
        const std::string where = p + ": tensor '" + name + "'";
        const auto& e = *it;
        if (!e.is_object() || !e.contains("dtype") || !e.contains("shape") || !e.contains("data_offsets") ||
            !e["dtype"].is_string() || !e["shape"].is_array() || !e["data_offsets"].is_array() ||
            e["data_offsets"].size() != 2)
            throw Error(where + ": entry needs dtype (string), shape (array) and data_offsets ([begin, end])");
        TensorInfo t;
        t.name = name;
        t.dtype = parse_dtype(e["dtype"].get<std::string>(), where);
        // Element count with overflow checks: the product must fit and match the byte range.
        std::uint64_t elems = 1;
        for (const auto& d : e["shape"]) {
            if (!d.is_number_unsigned() && !(d.is_number_integer() && d.get<long long>() >= 0))
                throw Error(where + ": shape entries must be non-negative integers");
            const auto dim = d.get<std::uint64_t>();
            if (dim != 0 && elems > std::numeric_limits<std::uint64_t>::max() / 8 / dim)
                throw Error(where + ": shape is too large");
            elems *= dim;
            t.shape.push_back(static_cast<std::int64_t>(dim));
        }
        const auto& off = e["data_offsets"];
        if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
            throw Error(where + ": data_offsets must be non-negative integers");
        const auto b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
        if (b > en || en > data_size)
            throw Error(where + ": byte range [" + std::to_string(b) + ", " + std::to_string(en) +
                        ") is out of bounds of the data section (" + std::to_string(data_size) + " bytes)");
        if (en - b != elems * dtype_block_bytes(t.dtype))
            throw Error(where + ": byte range holds " + std::to_string(en - b) + " bytes but shape and dtype need " +
                        std::to_string(elems * dtype_block_bytes(t.dtype)));
        t.begin = b;
        t.end = en;
        tensors.push_back(std::move(t));
    }
    f.set_table(data_offset, std::move(tensors), std::move(metadata));
    return f;
}

}  // namespace lmh
