// AlignedBuffer: an owned, 64-byte aligned float array (one cache line, one AVX-512
// register), allocated once and never resized in a hot loop.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace lmh {

class AlignedBuffer {
public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(std::size_t n) : size_(n) {
        if (n == 0) return;
        // Big buffers (weights, a long KV cache) are streamed once per token: on 4 KiB pages
        // a 91 MB decode touches 22,000 pages, far beyond the TLB, and each miss stalls the
        // stream. So they are 2 MiB aligned and marked for transparent huge pages (Linux
        // defaults THP to "madvise"); the advice is a hint, harmless where it is refused.
        const bool huge = n * sizeof(float) >= kHugeFrom && !std::getenv("LMH_NO_HUGEPAGES");
        const std::size_t align = huge ? kHugePage : 64;
        const std::size_t bytes = (n * sizeof(float) + align - 1) / align * align;
        data_ = static_cast<float*>(std::aligned_alloc(align, bytes));
        if (!data_) throw std::bad_alloc();
        if (huge) ::madvise(data_, bytes, MADV_HUGEPAGE);
    }
    AlignedBuffer(AlignedBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
        if (this != &o) {
            std::free(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    AlignedBuffer(const AlignedBuffer&) = delete;
    AlignedBuffer& operator=(const AlignedBuffer&) = delete;
    ~AlignedBuffer() { std::free(data_); }

    float* data() { return data_; }
    const float* data() const { return data_; }
    std::size_t size() const { return size_; }
    float& operator[](std::size_t i) { return data_[i]; }
    const float& operator[](std::size_t i) const { return data_[i]; }

private:
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;
    static constexpr std::size_t kHugeFrom = std::size_t{4} << 20;
    float* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace lmh
