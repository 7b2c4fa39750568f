// AlignedArray<T>: an owned, 64-byte aligned array (one cache line, one AVX-512 register),
// allocated once and never resized in a hot loop. AlignedBuffer is the float one; bf16
// weights live in an AlignedArray<std::uint16_t>.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>
#include <utility>

namespace lmh {

template <class T>
class AlignedArray {
public:
    AlignedArray() = default;
    explicit AlignedArray(std::size_t n) : size_(n) {
        if (n == 0) return;
        // Big buffers (weights, a long KV cache) are streamed once per token: on 4 KiB pages
        // a 91 MB decode touches 22,000 pages, far beyond the TLB, and each miss stalls the
        // stream. So they are 2 MiB aligned and marked for transparent huge pages (Linux
        // defaults THP to "madvise"); the advice is a hint, harmless where it is refused.
        // LMH_NO_HUGEPAGES=1 in the environment turns it off, to measure what it buys.
        const bool huge = n * sizeof(T) >= kHugeFrom && !std::getenv("LMH_NO_HUGEPAGES");
        const std::size_t align = huge ? kHugePage : 64;
        const std::size_t bytes = (n * sizeof(T) + align - 1) / align * align;
        data_ = static_cast<T*>(std::aligned_alloc(align, bytes));
        if (!data_) throw std::bad_alloc();
        if (huge) ::madvise(data_, bytes, MADV_HUGEPAGE);
    }
    AlignedArray(AlignedArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    AlignedArray& operator=(AlignedArray&& o) noexcept {
        if (this != &o) {
            std::free(data_);
            data_ = std::exchange(o.data_, nullptr);
            size_ = std::exchange(o.size_, 0);
        }
        return *this;
    }
    AlignedArray(const AlignedArray&) = delete;
    AlignedArray& operator=(const AlignedArray&) = delete;
    ~AlignedArray() { std::free(data_); }

    T* data() { return data_; }
    const T* data() const { return data_; }
    std::size_t size() const { return size_; }
    T& operator[](std::size_t i) { return data_[i]; }
    const T& operator[](std::size_t i) const { return data_[i]; }

private:
    static constexpr std::size_t kHugePage = std::size_t{2} << 20;
    static constexpr std::size_t kHugeFrom = std::size_t{4} << 20;
    T* data_ = nullptr;
    std::size_t size_ = 0;
};

using AlignedBuffer = AlignedArray<float>;

}  // namespace lmh
