#include "engine/gguf.h"

#include <array>
#include <cstring>
#include <limits>
#include <set>

#include "util/error.h"

namespace lmh {
namespace {

// ggml_type ids (ggml.h) of the types the engine reads, and names of the others for errors.
constexpr std::uint32_t kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ8_0 = 8, kBF16 = 30;
const char* ggml_type_name(std::uint32_t t) {
    constexpr std::array<const char*, 40> names = {
        "F32",     "F16",    "Q4_0",    "Q4_1",  "Q4_2", "Q4_3",  "Q5_0",   "Q5_1",    "Q8_0",     "Q8_1",
        "Q2_K",    "Q3_K",   "Q4_K",    "Q5_K",  "Q6_K", "Q8_K",  "IQ2_XXS", "IQ2_XS", "IQ3_XXS",  "IQ1_S",
        "IQ4_NL",  "IQ3_S",  "IQ2_S",   "IQ4_XS", "I8",  "I16",   "I32",    "I64",     "F64",      "IQ1_M",
        "BF16",    "Q4_0_4_4", "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8", "MXFP4"};
    return t < names.size() ? names[t] : "unknown";
}

// Limits far above any real file that keep a hostile one from asking for absurd work.
constexpr std::uint64_t kMaxStringBytes = 1 << 20;  // keys, names, string values
constexpr std::uint32_t kMaxDims = 4;               // GGML_MAX_DIMS

// A cursor over the file's bytes: every read checks that the bytes are there.
class Reader {
public:
    Reader(std::span<const std::byte> b, const std::string& where) : b_(b), where_(where) {}
    std::size_t pos() const { return pos_; }
    std::size_t left() const { return b_.size() - pos_; }

    template <class T>
    T scalar(const char* what) {
        if (left() < sizeof(T)) truncated(what);
        T v;
        std::memcpy(&v, b_.data() + pos_, sizeof(T));  // the format is little endian, as is x86
        pos_ += sizeof(T);
        return v;
    }
    std::string string(const char* what) {
        const auto n = scalar<std::uint64_t>(what);
        if (n > left()) truncated(what);
        if (n > kMaxStringBytes) fail(std::string(what) + " is " + std::to_string(n) + " bytes long (limit " + std::to_string(kMaxStringBytes) + ")");
        std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
        pos_ += n;
        return s;
    }
    void skip(std::uint64_t n, const char* what) {
        if (n > left()) truncated(what);
        pos_ += n;
    }
    [[noreturn]] void truncated(const char* what) const {
        fail(std::string("truncated or corrupt: ") + what + " at byte " + std::to_string(pos_) + " runs past the end of the file (" +
             std::to_string(b_.size()) + " bytes)");
    }
    [[noreturn]] void fail(const std::string& msg) const { throw Error(where_ + ": " + msg); }

private:
    std::span<const std::byte> b_;
    const std::string& where_;
    std::size_t pos_ = 0;
};

std::size_t scalar_size(GgufType t) {
    switch (t) {
        case GgufType::u8: case GgufType::i8: case GgufType::boolean: return 1;
        case GgufType::u16: case GgufType::i16: return 2;
        case GgufType::u32: case GgufType::i32: case GgufType::f32: return 4;
        case GgufType::u64: case GgufType::i64: case GgufType::f64: return 8;
        default: return 0;  // string, array
    }
}

GgufType value_type(Reader& r, const std::string& key) {
    const auto t = r.scalar<std::uint32_t>("a value type");
    if (t > static_cast<std::uint32_t>(GgufType::f64)) r.fail("metadata '" + key + "' has unknown value type " + std::to_string(t));
    return static_cast<GgufType>(t);
}

GgufValue read_value(Reader& r, GgufType type, const std::string& key) {
    GgufValue v;
    v.type = type;
    switch (type) {
        case GgufType::u8: v.i = r.scalar<std::uint8_t>("a u8 value"); break;
        case GgufType::i8: v.i = r.scalar<std::int8_t>("an i8 value"); break;
        case GgufType::u16: v.i = r.scalar<std::uint16_t>("a u16 value"); break;
        case GgufType::i16: v.i = r.scalar<std::int16_t>("an i16 value"); break;
        case GgufType::u32: v.i = r.scalar<std::uint32_t>("a u32 value"); break;
        case GgufType::i32: v.i = r.scalar<std::int32_t>("an i32 value"); break;
        case GgufType::i64: v.i = r.scalar<std::int64_t>("an i64 value"); break;
        case GgufType::u64: {
            const auto u = r.scalar<std::uint64_t>("a u64 value");
            if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
                r.fail("metadata '" + key + "' = " + std::to_string(u) + " is out of range");
            v.i = static_cast<std::int64_t>(u);
            break;
        }
        case GgufType::f32: v.f = r.scalar<float>("an f32 value"); break;
        case GgufType::f64: v.f = r.scalar<double>("an f64 value"); break;
        case GgufType::boolean: {
            const auto b = r.scalar<std::uint8_t>("a bool value");
            if (b > 1) r.fail("metadata '" + key + "' is a bool holding " + std::to_string(b));
            v.i = b;
            break;
        }
        case GgufType::string: v.s = r.string("a string value"); break;
        case GgufType::array: {
            v.element = value_type(r, key);
            v.count = r.scalar<std::uint64_t>("an array length");
            if (v.element == GgufType::array) r.fail("metadata '" + key + "' is an array of arrays (not supported)");
            if (v.element == GgufType::string) {
                // Each element is at least its 8-byte length: a count the file cannot hold
                // fails here, before any loop over it.
                if (v.count > r.left() / 8) r.truncated("a string array");
                for (std::uint64_t k = 0; k < v.count; ++k) r.skip(r.scalar<std::uint64_t>("a string length"), "a string");
            } else {
                const std::size_t size = scalar_size(v.element);
                if (v.count > r.left() / size) r.truncated("an array");
                r.skip(v.count * size, "an array");
            }
            break;
        }
    }
    return v;
}

}  // namespace

const char* gguf_type_name(GgufType t) {
    constexpr std::array<const char*, 13> names = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
    const auto i = static_cast<std::size_t>(t);
    return i < names.size() ? names[i] : "?";
}

std::string GgufValue::describe() const {
    if (type == GgufType::string) return "'" + s + "'";
    if (type == GgufType::array) return "an array of " + std::to_string(count) + " " + gguf_type_name(element);
    if (type == GgufType::f32 || type == GgufType::f64) return std::to_string(f);
    if (type == GgufType::boolean) return i ? "true" : "false";
    return std::to_string(i);
}

const GgufValue* GgufHeader::find(const std::string& key) const {
    const auto it = metadata.find(key);
    return it == metadata.end() ? nullptr : &it->second;
}

GgufHeader parse_gguf(std::span<const std::byte> file, const std::string& where) {
    Reader r(file, where);
    GgufHeader h;
    if (file.size() < 4 || std::memcmp(file.data(), "GGUF", 4) != 0) r.fail("not a GGUF file (the first 4 bytes are not \"GGUF\")");
    r.skip(4, "the magic");
    h.version = r.scalar<std::uint32_t>("the version");
    if (h.version == 1) r.fail("GGUF version 1 is not supported (2 and 3 are): convert the model again");
    if (h.version == 0x02000000u || h.version == 0x03000000u) r.fail("big-endian GGUF files are not supported");
    if (h.version != 2 && h.version != 3) r.fail("unsupported GGUF version " + std::to_string(h.version) + " (2 and 3 are)");
    const auto n_tensors = r.scalar<std::uint64_t>("the tensor count");
    const auto n_kv = r.scalar<std::uint64_t>("the metadata count");
    // Each entry takes bytes of the file (a key/value at least 12, a tensor at least 24), so
    // counts the file cannot hold are refused before any loop or allocation.
    if (n_kv > r.left() / 12) r.fail("metadata count " + std::to_string(n_kv) + " is more than the file can hold: truncated or corrupt");
    for (std::uint64_t k = 0; k < n_kv; ++k) {
        std::string key = r.string("a metadata key");
        const GgufType type = value_type(r, key);
        GgufValue v = read_value(r, type, key);
        if (!h.metadata.emplace(key, std::move(v)).second) r.fail("duplicate metadata key '" + key + "'");
    }
    if (const GgufValue* a = h.find("general.alignment")) {
        if (a->type != GgufType::u32) r.fail("general.alignment must be a u32, not " + std::string(gguf_type_name(a->type)));
        const auto al = static_cast<std::uint64_t>(a->i);
        if (al == 0 || (al & (al - 1)) != 0) r.fail("general.alignment = " + std::to_string(al) + " is not a power of two");
        h.alignment = al;
    }

    if (n_tensors > r.left() / 24) r.fail("tensor count " + std::to_string(n_tensors) + " is more than the file can hold: truncated or corrupt");
    std::set<std::string> names;
    for (std::uint64_t k = 0; k < n_tensors; ++k) {
        GgufTensor t;
        t.name = r.string("a tensor name");
        if (!names.insert(t.name).second) r.fail("duplicate tensor '" + t.name + "'");
        const std::string what = "tensor '" + t.name + "'";
        const auto n_dims = r.scalar<std::uint32_t>("a tensor's dimension count");
        if (n_dims == 0 || n_dims > kMaxDims) r.fail(what + " has " + std::to_string(n_dims) + " dimensions (1 to 4 are valid)");
        std::uint64_t elements = 1;
        for (std::uint32_t d = 0; d < n_dims; ++d) {
            const auto n = r.scalar<std::uint64_t>("a tensor dimension");
            // Bounded so that elements × 4 bytes stays far inside 64 bits.
            if (n == 0 || n > (std::uint64_t{1} << 40) || elements > (std::uint64_t{1} << 40) / n)
                r.fail(what + " has dimension " + std::to_string(n) + ": zero or too large");
            elements *= n;
            t.ne.push_back(n);
        }
        const auto type = r.scalar<std::uint32_t>("a tensor type");
        switch (type) {
            case kF32: t.dtype = DType::F32; break;
            case kF16: t.dtype = DType::F16; break;
            case kBF16: t.dtype = DType::BF16; break;
            case kQ8_0: t.dtype = DType::Q8_0; break;
            case kQ4_0: t.dtype = DType::Q4_0; break;
            default:
                r.fail(what + " has ggml type " + ggml_type_name(type) + " (" + std::to_string(type) +
                       "), which is not supported (F32, F16, BF16, Q8_0, Q4_0 are)");
        }
        if (t.ne[0] % dtype_block(t.dtype) != 0)
            r.fail(what + " is " + dtype_name(t.dtype) + " with rows of " + std::to_string(t.ne[0]) + " elements, not whole 32-element blocks");
        t.bytes = dtype_bytes(t.dtype, elements);
        t.offset = r.scalar<std::uint64_t>("a tensor offset");
        if (t.offset % h.alignment != 0)
            r.fail(what + " has offset " + std::to_string(t.offset) + ", not a multiple of the alignment " + std::to_string(h.alignment));
        h.tensors.push_back(std::move(t));
    }
    // The data section starts at the next multiple of the alignment.
    const std::uint64_t pos = r.pos();
    h.data_offset = (pos + h.alignment - 1) / h.alignment * h.alignment;
    if (h.data_offset < pos) r.fail("the alignment overflows the data offset");
    const std::uint64_t data_size = h.data_offset <= file.size() ? file.size() - h.data_offset : 0;
    for (const GgufTensor& t : h.tensors)
        if (h.data_offset > file.size() || t.offset > data_size || t.bytes > data_size - t.offset)
            r.fail("tensor '" + t.name + "' (bytes [" + std::to_string(t.offset) + ", +" + std::to_string(t.bytes) +
                   ")) runs past the end of the data section (" + std::to_string(data_size) + " bytes): truncated or corrupt");
    return h;
}

}  // namespace lmh
