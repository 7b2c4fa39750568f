// TensorFile: a read-only memory map of a checkpoint file and its checked tensor table, the
// one form in which the engine holds a model's tensors whatever the file format was
// (safetensors.h and gguf_model.h fill it in). Every entry's dtype, shape and byte range
// are validated by the reader that builds the table, so later code can trust them.
//
// The map is private and never written, so its pages are page-cache pages: a tensor used in
// place costs no copy, and release() may drop the pages of a tensor that was converted
// (they would fault back in, unchanged, if read again). A reader that must rearrange a
// tensor (GGUF's permuted q/k rows) gives it bytes of its own (owned) instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "util/aligned_buffer.h"

namespace lmh {

// Q8_0 and Q4_0 are ggml's 32-weight blocks (an fp16 scale, then 32 int8 or 16 bytes of
// nibbles): GGUF files hold them, and a tensor of them is stored as raw blocks.
enum class DType { F32, F16, BF16, Q8_0, Q4_0 };
const char* dtype_name(DType t);
// Elements per block (1 for the float types) and bytes per block.
std::size_t dtype_block(DType t);
std::size_t dtype_block_bytes(DType t);
// Bytes of n elements (n a multiple of dtype_block(t)).
std::size_t dtype_bytes(DType t, std::size_t n);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;  // row-major, outermost first (as in safetensors)
    std::size_t begin = 0;            // byte offsets within the data section, or within
    std::size_t end = 0;              // the file's own bytes when owned
    bool owned = false;
    std::int64_t elements() const;
};

class TensorFile {
public:
    TensorFile() = default;  // maps nothing and holds no tensors
    // Maps `path` read-only; throws lmh::Error naming it if it cannot, or if it is shorter
    // than min_size bytes (`what` names the format in that message).
    static TensorFile map(const std::filesystem::path& path, std::size_t min_size, const char* what);
    TensorFile(TensorFile&& other) noexcept;
    TensorFile& operator=(TensorFile&& other) noexcept;
    TensorFile(const TensorFile&) = delete;
    TensorFile& operator=(const TensorFile&) = delete;
    ~TensorFile();

    // The whole mapped file, for the reader that parses it.
    std::span<const std::byte> mapped() const { return {map_, map_size_}; }
    // Set by the reader once the table is checked: where the data section starts in the
    // map, the tensors (byte ranges within it) and string metadata.
    void set_table(std::size_t data_offset, std::vector<TensorInfo> tensors, std::map<std::string, std::string> metadata);
    // Owned bytes for tensors a reader rearranges: reserve once, then fill tensors' ranges.
    void reserve_owned(std::size_t bytes) { owned_ = AlignedArray<std::byte>(bytes); }
    std::byte* owned_data() { return owned_.data(); }
    std::vector<TensorInfo>& mutable_tensors() { return tensors_; }

    const TensorInfo* find(const std::string& name) const;
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    std::span<const std::byte> bytes(const TensorInfo& t) const;
    // Drops the whole pages inside bytes [begin, end) of tensor t from this process's
    // memory (madvise MADV_DONTNEED): how a conversion streams through a big checkpoint
    // without holding the source and its copy at once. Reading them again stays correct.
    // No-op for owned tensors.
    void release(const TensorInfo& t, std::size_t begin, std::size_t end) const;
    // Maps tensor t's pages now (MADV_POPULATE_READ), so a tensor used in place does not
    // page-fault inside the first timed forward pass.
    void populate(const TensorInfo& t) const;
    // The tensor converted to f32 (F16/BF16 widened exactly, Q8_0/Q4_0 dequantized exactly:
    // an int8 or nibble times an fp16 scale fits a float's mantissa).
    std::vector<float> to_f32(const TensorInfo& t) const;
    // Elements [begin, end) of tensor t widened to f32 into out[0, end - begin): the one
    // conversion loop behind to_f32 and the engine's converted copies. For Q8_0/Q4_0, begin
    // and end are multiples of 32 (or end is the tensor's size).
    void widen_to_f32(const TensorInfo& t, std::size_t begin, std::size_t end, float* out) const;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    const std::byte* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::size_t data_offset_ = 0;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
    AlignedArray<std::byte> owned_;
};

}  // namespace lmh
