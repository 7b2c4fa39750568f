// SafetensorsFile: a read-only memory map of a .safetensors file and its checked tensor
// table. Every entry's dtype, shape and byte range are validated when the file is opened,
// so later code can trust them.
//
// The map is private and never written, so its pages are page-cache pages: a tensor used in
// place costs no copy, and release() may drop the pages of a tensor that was converted
// (they would fault back in, unchanged, if read again).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace lmh {

enum class DType { F32, F16, BF16 };
std::size_t dtype_size(DType t);
const char* dtype_name(DType t);

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::size_t begin = 0;  // byte offsets within the data section
    std::size_t end = 0;
    std::int64_t elements() const;
};

class SafetensorsFile {
public:
    SafetensorsFile() = default;  // maps nothing and holds no tensors
    // Throws lmh::Error naming the file (and tensor) on any structural problem.
    static SafetensorsFile open(const std::filesystem::path& path);
    SafetensorsFile(SafetensorsFile&& other) noexcept;
    SafetensorsFile& operator=(SafetensorsFile&& other) noexcept;
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;
    ~SafetensorsFile();

    const TensorInfo* find(const std::string& name) const;
    const std::vector<TensorInfo>& tensors() const { return tensors_; }
    const std::map<std::string, std::string>& metadata() const { return metadata_; }
    std::span<const std::byte> bytes(const TensorInfo& t) const;
    // Drops the whole pages inside bytes [begin, end) of tensor t from this process's
    // memory (madvise MADV_DONTNEED): how a conversion streams through a big checkpoint
    // without holding the source and its copy at once. Reading them again stays correct.
    void release(const TensorInfo& t, std::size_t begin, std::size_t end) const;
    // Maps tensor t's pages now (MADV_POPULATE_READ), so a tensor used in place does not
    // page-fault inside the first timed forward pass.
    void populate(const TensorInfo& t) const;
    // The tensor converted to f32 (F16/BF16 widened exactly).
    std::vector<float> to_f32(const TensorInfo& t) const;
    // Elements [begin, end) of tensor t widened to f32 into out[0, end - begin): the one
    // conversion loop behind to_f32 and the engine's converted copies.
    void widen_to_f32(const TensorInfo& t, std::size_t begin, std::size_t end, float* out) const;
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
    const std::byte* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::size_t data_offset_ = 0;
    std::vector<TensorInfo> tensors_;
    std::map<std::string, std::string> metadata_;
};

float f16_to_f32(std::uint16_t h);
float bf16_to_f32(std::uint16_t b);

}  // namespace lmh
