#include "engine/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

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

std::size_t dtype_size(DType t) { return t == DType::F32 ? 4 : 2; }
const char* dtype_name(DType t) { return t == DType::F32 ? "F32" : t == DType::F16 ? "F16" : "BF16"; }

std::int64_t TensorInfo::elements() const {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    return n;
}

float f16_to_f32(std::uint16_t h) {
    const std::uint32_t sign = (h & 0x8000u) << 16;
    std::uint32_t exp = (h >> 10) & 0x1f;
    std::uint32_t mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: renormalise
            exp = 127 - 15 + 1;
            while ((mant & 0x400u) == 0) {
                mant <<= 1;
                --exp;
            }
            bits = sign | (exp << 23) | ((mant & 0x3ffu) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

float bf16_to_f32(std::uint16_t b) {
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
    const std::string p = path.string();
    SafetensorsFile f;
    f.path_ = path;
    const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open " + p + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(p + ": not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size < 8) {
        ::close(fd);
        throw Error(p + ": truncated safetensors file (" + std::to_string(size) + " bytes, header length needs 8)");
    }
    void* m = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) throw Error("cannot map " + p + ": " + std::strerror(errno));
    f.map_ = static_cast<const std::byte*>(m);
    f.map_size_ = size;

    std::uint64_t header_len = 0;
    for (int i = 0; i < 8; ++i) header_len |= static_cast<std::uint64_t>(f.map_[i]) << (8 * i);  // little endian
    if (header_len > size - 8)
        throw Error(p + ": header length " + std::to_string(header_len) + " runs past the end of the file (" +
                    std::to_string(size) + " bytes): truncated or corrupt");
    if (header_len > kMaxHeaderBytes) throw Error(p + ": header length " + std::to_string(header_len) + " is implausibly large");
    f.data_offset_ = 8 + header_len;
    const std::size_t data_size = size - f.data_offset_;

    nlohmann::json h;
    try {
        h = nlohmann::json::parse(reinterpret_cast<const char*>(f.map_ + 8),
                                  reinterpret_cast<const char*>(f.map_ + 8 + header_len));
    } catch (const nlohmann::json::exception& e) {
        throw Error(p + ": header is not valid JSON (" + std::string(e.what()) + ")");
    }
    if (!h.is_object()) throw Error(p + ": header is not a JSON object");

    for (auto it = h.begin(); it != h.end(); ++it) {
        const std::string& name = it.key();
        if (name == "__metadata__") {
            if (!it->is_object()) throw Error(p + ": __metadata__ is not an object");
            for (auto m2 = it->begin(); m2 != it->end(); ++m2)
                if (m2->is_string()) f.metadata_[m2.key()] = m2->get<std::string>();
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
        if (en - b != elems * dtype_size(t.dtype))
            throw Error(where + ": byte range holds " + std::to_string(en - b) + " bytes but shape and dtype need " +
                        std::to_string(elems * dtype_size(t.dtype)));
        t.begin = b;
        t.end = en;
        f.tensors_.push_back(std::move(t));
    }
    return f;
}

SafetensorsFile::SafetensorsFile(SafetensorsFile&& o) noexcept { *this = std::move(o); }

SafetensorsFile& SafetensorsFile::operator=(SafetensorsFile&& o) noexcept {
    if (this != &o) {
        if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
        path_ = std::move(o.path_);
        map_ = o.map_;
        map_size_ = o.map_size_;
        data_offset_ = o.data_offset_;
        tensors_ = std::move(o.tensors_);
        metadata_ = std::move(o.metadata_);
        o.map_ = nullptr;
        o.map_size_ = 0;
    }
    return *this;
}

SafetensorsFile::~SafetensorsFile() {
    if (map_) ::munmap(const_cast<std::byte*>(map_), map_size_);
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
    for (const auto& t : tensors_)
        if (t.name == name) return &t;
    return nullptr;
}

std::span<const std::byte> SafetensorsFile::bytes(const TensorInfo& t) const {
    return {map_ + data_offset_ + t.begin, t.end - t.begin};
}

namespace {

std::size_t page_size() {
    const long p = ::sysconf(_SC_PAGE_SIZE);
    return p > 0 ? static_cast<std::size_t>(p) : 4096;
}

}  // namespace

void SafetensorsFile::release(const TensorInfo& t, std::size_t begin, std::size_t end) const {
    const std::size_t page = page_size();
    const std::size_t from = data_offset_ + t.begin + begin, to = data_offset_ + t.begin + std::min(end, t.end - t.begin);
    // Only pages wholly inside the range: a page shared with a neighbouring tensor may be in use.
    const std::size_t first = (from + page - 1) / page * page, last = to / page * page;
    if (last > first) ::madvise(const_cast<std::byte*>(map_) + first, last - first, MADV_DONTNEED);
}

void SafetensorsFile::populate(const TensorInfo& t) const {
    const std::size_t page = page_size();
    const std::size_t first = (data_offset_ + t.begin) / page * page, last = data_offset_ + t.end;
    if (last <= first) return;
    // MADV_POPULATE_READ (Linux 5.14) maps the pages in one call; an older kernel refuses
    // it, and reading one byte per page does the same.
    if (::madvise(const_cast<std::byte*>(map_) + first, last - first, MADV_POPULATE_READ) == 0) return;
    volatile std::byte sink{};
    for (std::size_t a = first; a < last; a += page) sink = map_[a];
    (void)sink;
}

std::vector<float> SafetensorsFile::to_f32(const TensorInfo& t) const {
    std::vector<float> out(static_cast<std::size_t>(t.elements()));
    widen_to_f32(t, 0, out.size(), out.data());
    return out;
}

void SafetensorsFile::widen_to_f32(const TensorInfo& t, std::size_t begin, std::size_t end, float* out) const {
    if (end <= begin) return;  // an empty tensor: out may be null
    const std::byte* raw = bytes(t).data();
    if (t.dtype == DType::F32) {
        std::memcpy(out, raw + 4 * begin, 4 * (end - begin));  // the map may be unaligned
        return;
    }
    // The dtype test stays outside the loops so the bf16 one (a 16-bit shift) vectorizes.
    auto widen = [&](auto convert) {
        for (std::size_t i = begin; i < end; ++i) {
            std::uint16_t v;
            std::memcpy(&v, raw + 2 * i, 2);
            out[i - begin] = convert(v);
        }
    };
    if (t.dtype == DType::BF16) widen([](std::uint16_t v) { return std::bit_cast<float>(static_cast<std::uint32_t>(v) << 16); });
    else widen(f16_to_f32);
}

}  // namespace lmh
