// AlignedBuffer: an owned, 64-byte aligned float array (one cache line, one AVX-512
// register), allocated once and never resized in a hot loop.
#pragma once

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
        const std::size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
        data_ = static_cast<float*>(std::aligned_alloc(64, bytes));
        if (!data_) throw std::bad_alloc();
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
    float* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace lmh
