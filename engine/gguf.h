// The GGUF container (llama.cpp's model file, versions 2 and 3): a header, typed key/value
// metadata, a tensor table, then the tensor data at an aligned offset. parse_gguf reads the
// bytes of a whole file and checks every length, count, type and offset against them, so
// a truncated, corrupt or hostile file gives one lmh::Error line, never a read past the end
// or an allocation larger than the file.
//
// Layout (little endian; github.com/ggml-org/ggml docs/gguf.md):
//   "GGUF" u32 version, u64 tensor_count, u64 kv_count,
//   kv_count × (string key, u32 value_type, value), where string = u64 length + bytes and an
//   array = u32 element type, u64 count, elements;
//   tensor_count × (string name, u32 n_dims, n_dims × u64 ne, u32 ggml_type, u64 offset),
//   padding to general.alignment (default 32), then the data section; each tensor's offset
//   is relative to it. ne[0] is the innermost (contiguous) dimension.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "engine/tensor_file.h"

namespace lmh {

enum class GgufType : std::uint32_t {
    u8 = 0, i8 = 1, u16 = 2, i16 = 3, u32 = 4, i32 = 5, f32 = 6, boolean = 7, string = 8, array = 9, u64 = 10, i64 = 11, f64 = 12,
};
const char* gguf_type_name(GgufType t);

// One metadata value. Scalars are held; an array keeps only its element type and count
// (tokenizer vocabularies run to megabytes, and the engine reads none of them).
struct GgufValue {
    GgufType type = GgufType::u8;
    std::int64_t i = 0;        // integer types (u64 values above INT64_MAX are refused) and bool
    double f = 0;              // f32, f64
    std::string s;             // string
    GgufType element = GgufType::u8;  // array
    std::uint64_t count = 0;          // array
    bool is_integer() const { return type <= GgufType::i32 || type == GgufType::u64 || type == GgufType::i64; }
    std::string describe() const;  // the value (or "array of N <type>") for messages
};

struct GgufTensor {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::uint64_t> ne;  // ne[0] innermost, as GGUF stores them
    std::uint64_t offset = 0;       // within the data section
    std::uint64_t bytes = 0;
};

struct GgufHeader {
    std::uint32_t version = 0;
    std::map<std::string, GgufValue> metadata;
    std::vector<GgufTensor> tensors;  // in file order
    std::uint64_t alignment = 32;
    std::uint64_t data_offset = 0;    // of the data section, in the file

    const GgufValue* find(const std::string& key) const;
};

// `where` (the file's path) prefixes every error. Tensor types other than F32, F16, BF16,
// Q8_0 and Q4_0 are refused, naming the type.
GgufHeader parse_gguf(std::span<const std::byte> file, const std::string& where);

}  // namespace lmh
