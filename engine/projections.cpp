#include "engine/projections.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include <tbb/parallel_for.h>

#include "kernels/bf16.h"

namespace lmh {
namespace {

// Elements converted between two page releases: small next to a model, big enough that
// the madvise calls cost nothing.
constexpr std::size_t kChunk = std::size_t{1} << 20;

template <class T>
constexpr DType stored_dtype() {
    return std::is_same_v<T, float> ? DType::F32 : DType::BF16;
}

// Lays matrices out in format T (float or bf16 bits): in place when the file holds them so,
// else copied into `store`, which the first pass (counting) sizes and the second fills.
template <class T>
class Layout {
public:
    Layout(const Weights& w, AlignedArray<T>& store, bool counting)
        : w_(w), counting_(counting), next_(counting ? nullptr : store.data()) {}
    std::size_t copied() const { return copied_; }

    // A matrix used alone: in place if possible.
    const T* place(const TensorInfo* t) {
        const auto raw = w_.file_map().bytes(*t);
        if (t->dtype == stored_dtype<T>() && reinterpret_cast<std::uintptr_t>(raw.data()) % alignof(T) == 0) {
            if (!counting_) w_.file_map().populate(*t);
            return reinterpret_cast<const T*>(raw.data());
        }
        return copy(t);
    }

private:
    // One new copy in format T, converted and its source pages released chunk by chunk.
    const T* copy(const TensorInfo* t) {
        T* start = next_;
        const std::size_t n = static_cast<std::size_t>(t->elements());
        if (!counting_) convert(*t, next_, n);
        if (next_) next_ += n;
        copied_ += n;
        const std::size_t pad = (16 - copied_ % 16) % 16;  // next copy on a 64-byte boundary
        copied_ += pad;
        if (next_) next_ += pad;
        return start;
    }

    // Converts chunk by chunk, the chunks in parallel (one thread converts at a fraction of
    // the memory bandwidth, and the conversion is most of a converting load), each chunk
    // releasing its own source pages once written.
    void convert(const TensorInfo& t, T* dst, std::size_t n) const {
        const TensorFile& st = w_.file_map();
        const auto raw = st.bytes(t);
        // The embedding table is read in place by gather when it is f32: keep its pages.
        const bool keep = &t == w_.embed_tensor() && t.dtype == DType::F32;
        const std::size_t chunks = (n + kChunk - 1) / kChunk;
        tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
            const std::size_t i0 = c * kChunk, i1 = std::min(n, i0 + kChunk);
            convert_range(st, t, dst, i0, i1);
            if (!keep) st.release(t, dtype_bytes(t.dtype, i0), dtype_bytes(t.dtype, i1));
        });
        if (!keep) st.release(t, 0, raw.size());  // the pages chunk boundaries shared
    }

    static void convert_range(const TensorFile& st, const TensorInfo& t, T* dst, std::size_t i0, std::size_t i1) {
        const std::byte* raw = st.bytes(t).data();
        if (t.dtype == stored_dtype<T>()) {
            std::memcpy(dst + i0, raw + i0 * sizeof(T), (i1 - i0) * sizeof(T));
        } else if constexpr (std::is_same_v<T, float>) {
            st.widen_to_f32(t, i0, i1, dst + i0);  // exact
        } else if (t.dtype == DType::F32 && reinterpret_cast<std::uintptr_t>(raw) % alignof(float) == 0) {
            kernels::f32_to_bf16_n(reinterpret_cast<const float*>(raw) + i0, dst + i0, i1 - i0);  // the one rounding
        } else {  // widen (exact for f16; unaligned f32 copied) a block at a time, then round once
            constexpr std::size_t kBlock = 2048;
            float widened[kBlock];
            for (std::size_t b0 = i0; b0 < i1; b0 += kBlock) {
                const std::size_t b1 = std::min(i1, b0 + kBlock);
                st.widen_to_f32(t, b0, b1, widened);
                kernels::f32_to_bf16_n(widened, dst + b0, b1 - b0);
            }
        }
    }

    const Weights& w_;
    bool counting_;
    T* next_;
    std::size_t copied_ = 0;
};

template <class T>
Linear linear_of(const T* p) {
    Linear l;
    if constexpr (std::is_same_v<T, float>) l.f32 = p;
    else l.bf16 = p;
    return l;
}

}  // namespace

void linear(const kernels::KernelSet& K, const float* x, const Linear& w, float* y, int m, int n, int k) {
    if (w.bf16)
        K.matmul_bf16(x, w.bf16, y, m, n, k);
    else
        K.matmul(x, w.f32, y, m, n, k, 1.0f, 0.0f);
}

void add_bias(const kernels::KernelSet& K, float* y, const float* b, int m, int n) {
    for (int r = 0; r < m; ++r) K.add(y + static_cast<std::size_t>(r) * static_cast<std::size_t>(n), b, n);
}

template <class T>
static void build(const Weights& weights, AlignedArray<T>& store, std::vector<Projections::Layer>& layers, Linear& lm_head) {
    for (const bool counting : {true, false}) {
        Layout<T> lay(weights, store, counting);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const LayerWeights& w = weights.layer(static_cast<int>(l));
            Projections::Layer& P = layers[l];
            P.q = linear_of(lay.place(w.wq));
            P.k = linear_of(lay.place(w.wk));
            P.v = linear_of(lay.place(w.wv));
            P.o = linear_of(lay.place(w.wo));
            P.gate = linear_of(lay.place(w.w_gate));
            P.up = linear_of(lay.place(w.w_up));
            P.down = linear_of(lay.place(w.w_down));
        }
        // Tied: an f32 run reads the f32 embedding table the gather uses (in place or the one
        // converted copy), never a second f32 copy.
        if constexpr (std::is_same_v<T, float>) {
            lm_head = weights.lm_head() == weights.embed_tensor() ? linear_of(weights.embed()) : linear_of(lay.place(weights.lm_head()));
        } else {
            lm_head = linear_of(lay.place(weights.lm_head()));
        }
        if (counting) store = AlignedArray<T>(lay.copied());
    }
}

Projections::Projections(const Weights& weights, kernels::WeightFormat format) : format_(format) {
    const ModelConfig& c = weights.config();
    const std::size_t H = static_cast<std::size_t>(c.hidden), Q = static_cast<std::size_t>(c.q_dim()),
                      KV = static_cast<std::size_t>(c.kv_dim()), F = static_cast<std::size_t>(c.intermediate),
                      V = static_cast<std::size_t>(c.vocab), L = static_cast<std::size_t>(c.n_layers);
    layers_.resize(L);
    const std::size_t elements = L * ((Q + 2 * KV) * H + H * Q + 2 * F * H + H * F) + V * H;
    if (format == kernels::WeightFormat::f32) {
        build(weights, f32_, layers_, lm_head_);
        bytes_ = elements * sizeof(float);
    } else {
        build(weights, bf16_, layers_, lm_head_);
        bytes_ = elements * sizeof(std::uint16_t);
    }
}

}  // namespace lmh
