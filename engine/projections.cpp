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
    else if constexpr (std::is_same_v<T, kernels::BlockQ8_0>) l.q8_0 = p;
    else if constexpr (std::is_same_v<T, kernels::BlockQ4_0>) l.q4_0 = p;
    else l.bf16 = p;
    return l;
}

template <class Block>
void quantize_row(const float* x, Block* y, std::size_t k) {
    if constexpr (std::is_same_v<Block, kernels::BlockQ8_0>) kernels::quantize_row_q8_0(x, y, k);
    else kernels::quantize_row_q4_0(x, y, k);
}

template <class Block>
constexpr DType block_dtype() {
    return std::is_same_v<Block, kernels::BlockQ8_0> ? DType::Q8_0 : DType::Q4_0;
}

// Lays matrices out as blocks (weights=q8_0/q4_0): each is used in place when the file holds
// it in the run's block format (a GGUF), else quantized into `store`, sized by a first
// counting pass as Layout does; a matrix whose rows cannot be cut into 32-blocks goes
// to `bf16` (Layout<std::uint16_t>: in place for a bf16 file) and is named in `fallbacks`.
template <class Block>
class QuantLayout {
public:
    QuantLayout(const Weights& w, AlignedArray<Block>& store, AlignedArray<std::uint16_t>& bf16, bool counting,
                std::vector<std::string>& fallbacks)
        : w_(w), counting_(counting), next_(counting ? nullptr : store.data()), bf16_(w, bf16, counting), fallbacks_(fallbacks) {}
    std::size_t copied() const { return copied_; }
    std::size_t copied_bf16() const { return bf16_.copied(); }
    std::size_t bytes() const { return bytes_; }  // what one decode step reads through these matrices

    Linear place(const TensorInfo* t) {
        const std::size_t cols = static_cast<std::size_t>(t->shape.back());
        const std::size_t n = static_cast<std::size_t>(t->elements());
        if (cols % kernels::kQuantBlock != 0 || cols > static_cast<std::size_t>(kMaxQuantRow)) {
            if (counting_) fallbacks_.push_back(t->name);
            bytes_ += n * sizeof(std::uint16_t);
            return linear_of(bf16_.place(t));
        }
        const std::size_t blocks = n / kernels::kQuantBlock;
        bytes_ += blocks * sizeof(Block);
        // A GGUF tensor already in the run's format holds ggml's blocks, byte for byte what
        // quantizing its dequantized values would give (tests/quant_test.cpp): used in place.
        const auto raw = w_.file_map().bytes(*t);
        if (t->dtype == block_dtype<Block>() && reinterpret_cast<std::uintptr_t>(raw.data()) % alignof(Block) == 0) {
            if (!counting_) w_.file_map().populate(*t);
            return linear_of(reinterpret_cast<const Block*>(raw.data()));
        }
        Block* start = next_;
        if (!counting_) quantize(*t, start, n / cols, cols);
        if (next_) next_ += blocks;
        copied_ += blocks;
        return linear_of(static_cast<const Block*>(start));
    }

private:
    // Rows in chunks of about kChunk elements, the chunks in parallel, each widening its rows
    // to f32 (exact), quantizing them and releasing their source pages, as Layout::convert does.
    void quantize(const TensorInfo& t, Block* dst, std::size_t rows, std::size_t cols) const {
        const TensorFile& st = w_.file_map();
        const bool keep = &t == w_.embed_tensor() && t.dtype == DType::F32;  // gather reads it in place
        const std::size_t chunk_rows = std::max<std::size_t>(1, kChunk / cols);
        const std::size_t chunks = (rows + chunk_rows - 1) / chunk_rows;
        const std::size_t bpr = cols / kernels::kQuantBlock;
        tbb::parallel_for(std::size_t{0}, chunks, [&](std::size_t c) {
            const std::size_t r0 = c * chunk_rows, r1 = std::min(rows, r0 + chunk_rows);
            std::vector<float> row(cols);  // one per chunk of ~1M elements: load time, not a hot loop
            for (std::size_t r = r0; r < r1; ++r) {
                st.widen_to_f32(t, r * cols, (r + 1) * cols, row.data());
                quantize_row(row.data(), dst + r * bpr, cols);
            }
            if (!keep) st.release(t, dtype_bytes(t.dtype, r0 * cols), dtype_bytes(t.dtype, r1 * cols));
        });
        if (!keep) st.release(t, 0, dtype_bytes(t.dtype, rows * cols));
    }

    const Weights& w_;
    bool counting_;
    Block* next_;
    Layout<std::uint16_t> bf16_;
    std::vector<std::string>& fallbacks_;
    std::size_t copied_ = 0, bytes_ = 0;
};

}  // namespace

void linear(const kernels::KernelSet& K, const float* x, const Linear& w, float* y, int m, int n, int k) {
    if (w.bf16)
        K.matmul_bf16(x, w.bf16, y, m, n, k);
    else if (w.q8_0)
        K.matmul_q8_0(x, w.q8_0, y, m, n, k);
    else if (w.q4_0)
        K.matmul_q4_0(x, w.q4_0, y, m, n, k);
    else
        K.matmul(x, w.f32, y, m, n, k, 1.0f, 0.0f);
}

void linear(const kernels::KernelSet& K, const float* x, const kernels::QuantizedActs& xq, const Linear& w, float* y,
            int m, int n, int k) {
    if (xq.blocks && w.q8_0 && K.matmul_q8_0_on_q8)
        K.matmul_q8_0_on_q8(xq, w.q8_0, y, m, n, k);
    else if (xq.blocks && w.q4_0 && K.matmul_q4_0_on_q8)
        K.matmul_q4_0_on_q8(xq, w.q4_0, y, m, n, k);
    else
        linear(K, x, w, y, m, n, k);
}

Linear rows_from(const Linear& w, int row0, int k) {
    const std::size_t r = static_cast<std::size_t>(row0), zk = static_cast<std::size_t>(k);
    Linear l;
    if (w.bf16) l.bf16 = w.bf16 + r * zk;
    else if (w.q8_0) l.q8_0 = w.q8_0 + r * (zk / kernels::kQuantBlock);
    else if (w.q4_0) l.q4_0 = w.q4_0 + r * (zk / kernels::kQuantBlock);
    else l.f32 = w.f32 + r * zk;
    return l;
}

double row_bytes(const Linear& w, int k) {
    if (w.bf16) return 2.0 * k;
    if (w.q8_0) return (double)sizeof(kernels::BlockQ8_0) * k / kernels::kQuantBlock;
    if (w.q4_0) return (double)sizeof(kernels::BlockQ4_0) * k / kernels::kQuantBlock;
    return 4.0 * k;
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

template <class Block>
static std::size_t build_quantized(const Weights& weights, AlignedArray<Block>& store, AlignedArray<std::uint16_t>& bf16,
                                   std::vector<Projections::Layer>& layers, Linear& lm_head, std::vector<std::string>& fallbacks) {
    std::size_t bytes = 0;
    for (const bool counting : {true, false}) {
        QuantLayout<Block> lay(weights, store, bf16, counting, fallbacks);
        for (std::size_t l = 0; l < layers.size(); ++l) {
            const LayerWeights& w = weights.layer(static_cast<int>(l));
            Projections::Layer& P = layers[l];
            P.q = lay.place(w.wq);
            P.k = lay.place(w.wk);
            P.v = lay.place(w.wv);
            P.o = lay.place(w.wo);
            P.gate = lay.place(w.w_gate);
            P.up = lay.place(w.w_up);
            P.down = lay.place(w.w_down);
        }
        lm_head = lay.place(weights.lm_head());  // tied: quantized from the embedding table, as llama.cpp does
        if (counting) {
            store = AlignedArray<Block>(lay.copied());
            bf16 = AlignedArray<std::uint16_t>(lay.copied_bf16());
        }
        bytes = lay.bytes();
    }
    return bytes;
}

Projections::Projections(const Weights& weights, kernels::WeightFormat format) : format_(format) {
    const ModelConfig& c = weights.config();
    const std::size_t H = static_cast<std::size_t>(c.hidden), Q = static_cast<std::size_t>(c.q_dim()),
                      KV = static_cast<std::size_t>(c.kv_dim()), F = static_cast<std::size_t>(c.intermediate),
                      V = static_cast<std::size_t>(c.vocab), L = static_cast<std::size_t>(c.n_layers);
    layers_.resize(L);
    const std::size_t elements = L * ((Q + 2 * KV) * H + H * Q + 2 * F * H + H * F) + V * H;
    if (format == kernels::WeightFormat::q8_0) {
        bytes_ = build_quantized(weights, q8_0_, bf16_, layers_, lm_head_, fallbacks_);
    } else if (format == kernels::WeightFormat::q4_0) {
        bytes_ = build_quantized(weights, q4_0_, bf16_, layers_, lm_head_, fallbacks_);
    } else if (format == kernels::WeightFormat::f32) {
        build(weights, f32_, layers_, lm_head_);
        bytes_ = elements * sizeof(float);
    } else {
        build(weights, bf16_, layers_, lm_head_);
        bytes_ = elements * sizeof(std::uint16_t);
    }
}

}  // namespace lmh
