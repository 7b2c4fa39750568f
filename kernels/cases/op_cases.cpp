// One KernelCase per op, and the three lists of kernel_case.h. A case's seed comes from its
// shape, so every list rebuilds the same inputs for the same shape.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numbers>
#include <random>
#include <sstream>
#include <tuple>
#include <type_traits>
#include <utility>

#include "kernels/bf16.h"
#include "kernels/cases/kernel_case.h"
#include "kernels/cases/reference.h"
#include "kernels/quant.h"

namespace lmh::kernels::cases {
namespace {

template <class... T>
std::string join(const char* op, const T&... kv) {
    std::ostringstream os;
    os << op;
    ((os << ' ' << kv), ...);
    return os.str();
}

class MatmulCase : public KernelCase {
public:
    MatmulCase(int m, int n, int k, float alpha, float beta, std::string name = {})
        : KernelCase(Op::matmul, std::move(name)), m_(m), n_(n), k_(k), alpha_(alpha), beta_(beta) {}
    std::string label() const override {
        return join("matmul", "m=", m_, "n=", n_, "k=", k_, "alpha=", alpha_, "beta=", beta_);
    }
    double flops() const override { return 2.0 * m_ * n_ * k_; }
    double bytes() const override { return 4.0 * ((double)m_ * k_ + (double)n_ * k_ + (double)m_ * n_); }
    void prepare() override {
        const auto seed = (std::uint32_t)(m_ * 7919 + n_ * 31 + k_);
        a_ = random_floats((std::size_t)m_ * k_, seed);
        b_ = random_floats((std::size_t)n_ * k_, seed + 1);
        c0_ = random_floats((std::size_t)m_ * n_, seed + 2);
        c_ = Guarded((std::size_t)m_ * n_);
    }
    void reset() override {  // beta == 0: the NaN stays in C and must not leak
        c_.poison();
        if (beta_ != 0.0f) c_.assign(c0_);
    }
    void run(const KernelSet& ks) override { ks.matmul(a_.data(), b_.data(), c_.data(), m_, n_, k_, alpha_, beta_); }
    const Guarded& result() const override { return c_; }
    std::vector<double> reference() const override {
        return reference::matmul(a_.data(), b_.data(), c0_.data(), m_, n_, k_, alpha_, beta_);
    }

private:
    int m_, n_, k_;
    float alpha_, beta_;
    std::vector<float> a_, b_, c0_;
    Guarded c_;
};

// bf16 weights: random f32 rounded to bf16, and the reference is the f32 matmul reference
// run on those same weights decoded (a 16-bit shift written out here, not bf16.h), so the
// only error left is f32 accumulation and the budget is the f32 one. A set with acts=bf16
// rounds the activations too (matmul_bf16.h): the case remembers the acts of the set it last
// ran, and the reference then takes A rounded to bf16 by round_to_bf16 below (written in
// double arithmetic, not bf16.h's bit trick), so those rows are held to the same budget on
// the same random f32 activations, their rounding included.
double round_to_bf16(float x) {
    const double v = x;
    if (!std::isfinite(v) || v == 0.0) return v;
    int e;
    (void)std::frexp(v, &e);                 // |v| = f·2^e, f in [0.5, 1)
    const int quantum = std::max(e, -125) - 8;  // 8 significant bits; subnormal bf16 below 2^-126
    return std::ldexp(std::nearbyint(std::ldexp(v, -quantum)), quantum);  // ties to even (default mode)
}

class MatmulBf16Case : public KernelCase {
public:
    MatmulBf16Case(int m, int n, int k, std::string name = {})
        : KernelCase(Op::matmul_bf16, std::move(name)), m_(m), n_(n), k_(k) {}
    std::string label() const override {
        return join("matmul_bf16", "m=", m_, "n=", n_, "k=", k_, "acts=", data_format_name(acts_));
    }
    double flops() const override { return 2.0 * m_ * n_ * k_; }
    double bytes() const override { return 4.0 * ((double)m_ * k_ + (double)m_ * n_) + 2.0 * n_ * k_; }
    void prepare() override {
        const auto seed = (std::uint32_t)(m_ * 7919 + n_ * 31 + k_ + 17);
        a_ = random_floats((std::size_t)m_ * k_, seed);
        const auto w = random_floats((std::size_t)n_ * k_, seed + 1);
        b_.resize(w.size());
        f32_to_bf16_n(w.data(), b_.data(), w.size());
        c_ = Guarded((std::size_t)m_ * n_);
    }
    void reset() override { c_.poison(); }  // C is write-only: the NaN poison must not leak
    void run(const KernelSet& ks) override {
        acts_ = ks.acts == DataFormat::bf16 ? DataFormat::bf16 : DataFormat::f32;
        ks.matmul_bf16(a_.data(), b_.data(), c_.data(), m_, n_, k_);
    }
    const Guarded& result() const override { return c_; }
    std::vector<double> reference() const override {
        std::vector<float> decoded(b_.size());
        for (std::size_t i = 0; i < b_.size(); ++i) {
            const std::uint32_t bits = (std::uint32_t)b_[i] << 16;
            std::memcpy(&decoded[i], &bits, sizeof bits);
        }
        std::vector<float> a = a_;
        if (acts_ == DataFormat::bf16)
            for (float& x : a) x = (float)round_to_bf16(x);  // exact: 8 significant bits
        return reference::matmul(a.data(), decoded.data(), nullptr, m_, n_, k_, 1.0, 0.0);
    }

private:
    int m_, n_, k_;
    DataFormat acts_ = DataFormat::f32;  // of the set last run
    std::vector<float> a_;
    std::vector<std::uint16_t> b_;
    Guarded c_;
};

// Quantized weights (q8_0 / q4_0): random f32 quantized by quantize_row_*, and activations
// that are exactly representable as q8_0 blocks (per 32-block an fp16 scale d times integers in
// [-127, 127], one of them ±127), so an acts=q8 variant requantizes them without loss and every
// variant, acts=f32 or q8, computes the same products. The reference is the float64 matmul of
// those activations and the weights decoded here (fp16 and nibbles written out with ldexp,
// not quant.h): the only error left is f32 accumulation, and the budget is the f32 one. This
// is test-backend-ops' check (every variant against one reference on identical quantized
// inputs), never hidden inside a quantization budget; the activations' own quantization
// error is measured by verify.
double decode_fp16(std::uint16_t h) {
    const int e = (h >> 10) & 31, f = h & 1023;
    const double v = e == 0 ? std::ldexp(f, -24) : std::ldexp(1024 + f, e - 25);
    return (h & 0x8000) ? -v : v;
}

template <class Block>
class MatmulQuantCase : public KernelCase {
    static constexpr bool kQ8 = std::is_same_v<Block, BlockQ8_0>;

public:
    MatmulQuantCase(int m, int n, int k, std::string name = {})
        : KernelCase(kQ8 ? Op::matmul_q8_0 : Op::matmul_q4_0, std::move(name)), m_(m), n_(n), k_(k) {}
    std::string label() const override { return join(kQ8 ? "matmul_q8_0" : "matmul_q4_0", "m=", m_, "n=", n_, "k=", k_); }
    double flops() const override { return 2.0 * m_ * n_ * k_; }
    double bytes() const override {
        return 4.0 * ((double)m_ * k_ + (double)m_ * n_) + (double)n_ * (k_ / kQuantBlock) * sizeof(Block);
    }
    void prepare() override {
        const auto seed = (std::uint32_t)(m_ * 7919 + n_ * 31 + k_ + (kQ8 ? 23 : 29));
        const auto w = random_floats((std::size_t)n_ * k_, seed + 1);
        b_.resize(w.size() / kQuantBlock);
        if constexpr (kQ8) quantize_row_q8_0(w.data(), b_.data(), w.size());
        else quantize_row_q4_0(w.data(), b_.data(), w.size());
        std::mt19937 rng(seed);
        std::uniform_int_distribution<int> q(-127, 127), exponent(-4, 3), mant(0, 1023), pos(0, kQuantBlock - 1);
        a_.resize((std::size_t)m_ * k_);
        for (std::size_t b0 = 0; b0 < a_.size(); b0 += kQuantBlock) {
            const double d = std::ldexp(1024 + mant(rng), exponent(rng) - 10);  // an fp16 normal
            const int peak = pos(rng);
            for (int j = 0; j < kQuantBlock; ++j) a_[b0 + j] = (float)(d * (j == peak ? (q(rng) < 0 ? -127 : 127) : q(rng)));
        }
        c_ = Guarded((std::size_t)m_ * n_);
    }
    void reset() override { c_.poison(); }  // C is write-only: the NaN poison must not leak
    void run(const KernelSet& ks) override {
        if constexpr (kQ8) ks.matmul_q8_0(a_.data(), b_.data(), c_.data(), m_, n_, k_);
        else ks.matmul_q4_0(a_.data(), b_.data(), c_.data(), m_, n_, k_);
    }
    const Guarded& result() const override { return c_; }
    std::vector<double> reference() const override {
        std::vector<float> decoded((std::size_t)n_ * k_);
        for (std::size_t b = 0; b < b_.size(); ++b) {
            const double d = decode_fp16(b_[b].d);
            for (int j = 0; j < kQuantBlock; ++j) {
                int q;
                if constexpr (kQ8) q = b_[b].qs[j];
                else q = (j < 16 ? b_[b].qs[j] % 16 : b_[b].qs[j - 16] / 16) - 8;
                decoded[b * kQuantBlock + j] = (float)(d * q);  // exact: 11 x 8 significant bits
            }
        }
        return reference::matmul(a_.data(), decoded.data(), nullptr, m_, n_, k_, 1.0, 0.0);
    }

private:
    int m_, n_, k_;
    std::vector<float> a_;
    std::vector<Block> b_;
    Guarded c_;
};

class RmsNormCase : public KernelCase {
public:
    RmsNormCase(int rows, int dim, std::string name = {})
        : KernelCase(Op::rmsnorm, std::move(name)), rows_(rows), dim_(dim) {}
    std::string label() const override { return join("rmsnorm", "rows=", rows_, "dim=", dim_); }
    double flops() const override { return 4.0 * rows_ * dim_; }
    double bytes() const override { return 4.0 * (2.0 * rows_ * dim_ + dim_); }
    void prepare() override {
        x_ = random_floats((std::size_t)rows_ * dim_, (std::uint32_t)(rows_ * 100 + dim_), -2.0f, 2.0f);
        w_ = random_floats(dim_, (std::uint32_t)dim_ + 5, 0.5f, 1.5f);
        y_ = Guarded((std::size_t)rows_ * dim_);
    }
    void reset() override { y_.poison(); }
    void run(const KernelSet& ks) override { ks.rmsnorm(x_.data(), w_.data(), y_.data(), rows_, dim_, 1e-5f); }
    const Guarded& result() const override { return y_; }
    std::vector<double> reference() const override { return reference::rmsnorm(x_.data(), w_.data(), rows_, dim_, 1e-5); }

private:
    int rows_, dim_;
    std::vector<float> x_, w_;
    Guarded y_;
};

// In place; cos and sin of real angles, so repeated rotations (the benchmark) keep |x|.
class RopeCase : public KernelCase {
public:
    RopeCase(int seq, int n_heads, int head_dim, std::string name = {})
        : KernelCase(Op::rope, std::move(name)), seq_(seq), heads_(n_heads), hd_(head_dim) {}
    std::string label() const override { return join("rope", "seq=", seq_, "heads=", heads_, "head_dim=", hd_); }
    double flops() const override { return 3.0 * seq_ * heads_ * hd_; }
    double bytes() const override { return 4.0 * (2.0 * seq_ * heads_ * hd_ + (double)seq_ * hd_); }
    void prepare() override {
        x_ = random_floats((std::size_t)seq_ * heads_ * hd_, (std::uint32_t)(seq_ * 1000 + heads_ * 10 + hd_));
        const auto angle = random_floats((std::size_t)seq_ * (hd_ / 2), (std::uint32_t)seq_ + 3,
                                         -std::numbers::pi_v<float>, std::numbers::pi_v<float>);
        cos_.resize(angle.size());
        sin_.resize(angle.size());
        for (std::size_t i = 0; i < angle.size(); ++i) {
            cos_[i] = (float)std::cos((double)angle[i]);
            sin_[i] = (float)std::sin((double)angle[i]);
        }
        y_ = Guarded(x_.size());
    }
    void reset() override { y_.assign(x_); }
    void run(const KernelSet& ks) override { ks.rope(y_.data(), seq_, heads_, hd_, cos_.data(), sin_.data()); }
    const Guarded& result() const override { return y_; }
    std::vector<double> reference() const override {
        return reference::rope(x_.data(), seq_, heads_, hd_, cos_.data(), sin_.data());
    }

private:
    int seq_, heads_, hd_;
    std::vector<float> x_, cos_, sin_;
    Guarded y_;
};

class SoftmaxCase : public KernelCase {
public:
    SoftmaxCase(int rows, int cols, int pos0, int window, float range = 8.0f, std::string name = {})
        : KernelCase(Op::softmax, std::move(name)), rows_(rows), cols_(cols), pos0_(pos0), window_(window), range_(range) {}
    std::string label() const override {
        const std::string l = join("softmax", "rows=", rows_, "cols=", cols_, "pos0=", pos0_, "window=", window_);
        return range_ == 8.0f ? l : l + " range=" + std::to_string(static_cast<int>(range_));
    }
    double flops() const override { return 0.0; }
    double bytes() const override { return 8.0 * rows_ * cols_; }
    // Scores up to ±range: ±8 makes exp span e^-16..1 after the max is subtracted; ±200
    // overflows float (e^88.7) unless the row max is subtracted.
    void prepare() override {
        x_ = random_floats((std::size_t)rows_ * cols_, (std::uint32_t)(rows_ * 77 + cols_ + window_), -range_, range_);
        y_ = Guarded(x_.size());
    }
    void reset() override { y_.assign(x_); }
    void run(const KernelSet& ks) override { ks.softmax(y_.data(), rows_, cols_, pos0_, window_); }
    bool reset_each_run() const override { return true; }
    const Guarded& result() const override { return y_; }
    std::vector<double> reference() const override { return reference::softmax(x_.data(), rows_, cols_, pos0_, window_); }
    std::string extra_errors() const override {
        if (auto e = y_.guard_error(); !e.empty()) return e;
        const auto ref = reference();
        for (std::size_t i = 0; i < ref.size(); ++i)
            if (ref[i] == 0.0 && y_.body()[i] != 0.0f)
                return "hidden column not written as exactly 0 at row " + std::to_string(i / cols_) + " col " +
                       std::to_string(i % cols_);
        return {};
    }

private:
    int rows_, cols_, pos0_, window_;
    float range_;
    std::vector<float> x_;
    Guarded y_;
};

struct AttentionShape {
    int seq, pos0, n_heads, n_kv_heads, head_dim, window;
    int scratch_slots = 4;
    float qk_range = 2.0f;  // q and k elements in [-qk_range, qk_range]
};

class AttentionCase : public KernelCase {
public:
    explicit AttentionCase(AttentionShape s, std::string name = {}) : KernelCase(Op::attention, std::move(name)), s_(s) {}
    const AttentionShape& shape() const { return s_; }
    std::string label() const override {
        return join("attention", "seq=", s_.seq, "pos0=", s_.pos0, "heads=", s_.n_heads, "kv_heads=", s_.n_kv_heads,
                    "head_dim=", s_.head_dim, "window=", s_.window, "scratch_slots=", s_.scratch_slots) +
               (s_.qk_range == 2.0f ? "" : " qk_range=" + std::to_string(static_cast<int>(s_.qk_range)));
    }
    // Visible (query, key) pairs × heads × (dot + axpy over head_dim), window ignored.
    double flops() const override {
        const double pairs = (double)s_.seq * s_.pos0 + (double)s_.seq * (s_.seq + 1) / 2.0;
        return 4.0 * pairs * s_.n_heads * s_.head_dim;
    }
    double bytes() const override {
        return 4.0 * (2.0 * s_.seq * s_.n_heads * s_.head_dim + 2.0 * kv_len() * s_.n_kv_heads * s_.head_dim);
    }
    void prepare() override {
        const auto seed = (std::uint32_t)(s_.seq * 131 + s_.pos0 * 17 + s_.n_heads + s_.window);
        q_ = random_floats((std::size_t)s_.seq * s_.n_heads * s_.head_dim, seed, -s_.qk_range, s_.qk_range);
        k_ = random_floats((std::size_t)kv_len() * s_.n_kv_heads * s_.head_dim, seed + 1, -s_.qk_range, s_.qk_range);
        v_ = random_floats((std::size_t)kv_len() * s_.n_kv_heads * s_.head_dim, seed + 2);
        // Keys no query may see (before the first row's sliding window) are NaN, as verify's
        // local pass leaves unstored keys: a kernel must not let them into any output.
        if (s_.window > 0) {
            const std::size_t hidden = (std::size_t)std::max(0, s_.pos0 - s_.window + 1) * s_.n_kv_heads * s_.head_dim;
            std::fill(k_.begin(), k_.begin() + (std::ptrdiff_t)hidden, std::numeric_limits<float>::quiet_NaN());
            std::fill(v_.begin(), v_.begin() + (std::ptrdiff_t)hidden, std::numeric_limits<float>::quiet_NaN());
        }
        stride_ = (std::size_t)kv_len() + 3;  // deliberately not kv_len
        scratch_ = Guarded(stride_ * s_.scratch_slots);
        out_ = Guarded((std::size_t)s_.seq * s_.n_heads * s_.head_dim);
    }
    void reset() override {
        out_.poison();
        scratch_.poison();
    }
    void run(const KernelSet& ks) override {
        ks.attention({.q = q_.data(), .k = k_.data(), .v = v_.data(), .out = out_.data(), .seq = s_.seq,
                      .pos0 = s_.pos0, .n_heads = s_.n_heads, .n_kv_heads = s_.n_kv_heads, .head_dim = s_.head_dim,
                      .window = s_.window, .scale = scale(), .scratch = scratch_.data(),
                      .scratch_slots = s_.scratch_slots, .scratch_stride = stride_});
    }
    const Guarded& result() const override { return out_; }
    std::vector<double> reference() const override {
        return reference::attention(q_.data(), k_.data(), v_.data(), s_.seq, s_.pos0, s_.n_heads, s_.n_kv_heads,
                                    s_.head_dim, s_.window, scale());
    }
    std::string extra_errors() const override {
        if (auto e = out_.guard_error(); !e.empty()) return e;
        if (auto e = scratch_.guard_error(); !e.empty()) return "scratch: " + e;
        return {};
    }

private:
    int kv_len() const { return s_.pos0 + s_.seq; }
    float scale() const { return 1.0f / std::sqrt((float)s_.head_dim); }
    AttentionShape s_;
    std::vector<float> q_, k_, v_;
    std::size_t stride_ = 0;
    Guarded scratch_, out_;
};

class SwigluCase : public KernelCase {
public:
    SwigluCase(int n, bool in_place, std::string name = {})
        : KernelCase(Op::swiglu, std::move(name)), n_(n), in_place_(in_place) {}
    std::string label() const override { return join("swiglu", "n=", n_, in_place_ ? "out=gate" : ""); }
    double flops() const override { return 0.0; }
    double bytes() const override { return 12.0 * n_; }
    void prepare() override {  // gates to ±12 reach the saturated ends of silu
        gate_ = random_floats(n_, (std::uint32_t)n_ + 11, -12.0f, 12.0f);
        up_ = random_floats(n_, (std::uint32_t)n_ + 12);
        out_ = Guarded(n_);
    }
    void reset() override {
        out_.poison();
        if (in_place_) out_.assign(gate_);
    }
    void run(const KernelSet& ks) override { ks.swiglu(in_place_ ? out_.data() : gate_.data(), up_.data(), out_.data(), n_); }
    const Guarded& result() const override { return out_; }
    std::vector<double> reference() const override { return reference::swiglu(gate_.data(), up_.data(), n_); }

private:
    int n_;
    bool in_place_;
    std::vector<float> gate_, up_;
    Guarded out_;
};

// A copy is exact: budget 0.
class GatherCase : public KernelCase {
public:
    GatherCase(int n_ids, int dim, int vocab, std::string name = {})
        : KernelCase(Op::gather, std::move(name)), n_ids_(n_ids), dim_(dim), vocab_(vocab) {}
    std::string label() const override { return join("gather", "n_ids=", n_ids_, "dim=", dim_, "vocab=", vocab_); }
    double flops() const override { return 0.0; }
    double bytes() const override { return 8.0 * n_ids_ * dim_; }
    double max_nmse() const override { return 0.0; }
    void prepare() override {
        table_ = random_floats((std::size_t)vocab_ * dim_, (std::uint32_t)dim_ + 21);
        std::mt19937 rng((std::uint32_t)n_ids_);
        ids_.resize(n_ids_);
        for (auto& id : ids_) id = (int)(rng() % (unsigned)vocab_);
        ids_.back() = vocab_ - 1;  // the last row of the table is reachable
        out_ = Guarded((std::size_t)n_ids_ * dim_);
    }
    void reset() override { out_.poison(); }
    void run(const KernelSet& ks) override { ks.gather(table_.data(), ids_.data(), out_.data(), n_ids_, dim_); }
    const Guarded& result() const override { return out_; }
    std::vector<double> reference() const override {
        std::vector<double> ref;
        for (int id : ids_) ref.insert(ref.end(), table_.begin() + (long)id * dim_, table_.begin() + (long)(id + 1) * dim_);
        return ref;
    }

private:
    int n_ids_, dim_, vocab_;
    std::vector<float> table_;
    std::vector<int> ids_;
    Guarded out_;
};

// In place: out = x, then out += y.
class AddCase : public KernelCase {
public:
    explicit AddCase(int n, std::string name = {}) : KernelCase(Op::add, std::move(name)), n_(n) {}
    std::string label() const override { return join("add", "n=", n_); }
    double flops() const override { return (double)n_; }
    double bytes() const override { return 12.0 * n_; }
    void prepare() override {
        x_ = random_floats(n_, (std::uint32_t)n_ + 31);
        y_ = random_floats(n_, (std::uint32_t)n_ + 32);
        out_ = Guarded(n_);
    }
    void reset() override { out_.assign(x_); }
    void run(const KernelSet& ks) override { ks.add(out_.data(), y_.data(), n_); }
    const Guarded& result() const override { return out_; }
    std::vector<double> reference() const override {
        std::vector<double> ref(n_);
        for (int i = 0; i < n_; ++i) ref[i] = (double)x_[i] + y_[i];
        return ref;
    }

private:
    int n_;
    std::vector<float> x_, y_;
    Guarded out_;
};

// ---- the eval shapes -------------------------------------------------------------------
constexpr int kSizes[] = {1, 3, 26, 127, 312, 1092};
constexpr int kGatherVocab = 50;

template <class C, class... A>
void put(CaseList& list, A&&... args) {
    list.push_back(std::make_unique<C>(std::forward<A>(args)...));
}

void matmul_eval(CaseList& out) {
    const int shapes[][3] = {{1, 1, 1},      {1, 3, 3},      {3, 1, 1},      {3, 3, 3},      {1, 26, 26},
                             {3, 26, 127},   {26, 3, 26},    {26, 26, 1},    {1, 127, 312},  {127, 26, 3},
                             {26, 127, 312}, {3, 312, 1092}, {127, 312, 26}, {1, 1092, 312}, {5, 1092, 312},
                             {1, 312, 1092}, {64, 1092, 312}};
    for (const auto& s : shapes) {
        put<MatmulCase>(out, s[0], s[1], s[2], 1.0f, 0.0f);
        put<MatmulCase>(out, s[0], s[1], s[2], 0.7f, -1.3f);
    }
    put<MatmulCase>(out, 1, 32002, 312, 1.0f, 0.0f);  // chat lm_head, decode
    // Batched decode, m = 1..17: every row-group size and tail of the AVX2 4-row tiles, n odd
    // (3-, 4- and 8-wide column tiles end in clamped tails), k with a tail of each vector width.
    for (int m = 1; m <= 17; ++m) put<MatmulCase>(out, m, 27, 45, 0.7f, -1.3f);
}

// m: decode, the small-m gemv (3 = a pair of A rows and a single one), and the widened-
// panel gemm with row tails (17, 257 > one 192-row block of partial sums); n and k with
// tails of every vector width. The cube is cut at 1e8 multiply-adds to keep the naive
// variant fast. Extra: m 2 and 5..9 (both sides of the gemv/gemm switch at 8), k 2900 >
// one 1280-column panel.
void matmul_bf16_eval(CaseList& out) {
    for (int m : {1, 3, 17, 64, 257})
        for (int n : {1, 15, 16, 33, 312, 1092})
            for (int k : {1, 7, 16, 312, 1092})
                if ((double)m * n * k <= 1e8) put<MatmulBf16Case>(out, m, n, k);
    for (int m : {2, 5, 6, 7, 8, 9}) put<MatmulBf16Case>(out, m, 33, 100);
    for (auto [m, n, k] : {std::tuple{2, 1092, 312}, {8, 312, 1092}, {1, 33, 2900}, {257, 33, 2900}, {1, 32002, 312}})
        put<MatmulBf16Case>(out, m, n, k);  // the last: chat lm_head, decode
    for (int m = 1; m <= 17; ++m) put<MatmulBf16Case>(out, m, 27, 45);  // as in matmul_eval
}

// k: multiples of 32 only (one block, a few, and 34 and 91 blocks); n with tails of the 4-column
// step and the 16-column group; m past the 1024-block stack scratch (64 x 34 blocks) into the
// heap buffer. Cut at 1e8 multiply-adds for the naive variant.
template <class Block>
void matmul_quant_eval(CaseList& out) {
    for (int m : {1, 3, 17, 64, 257})
        for (int n : {1, 3, 4, 5, 15, 16, 17, 33, 312})
            for (int k : {32, 64, 320, 1088})
                if ((double)m * n * k <= 1e8) put<MatmulQuantCase<Block>>(out, m, n, k);
    for (auto [m, n, k] : {std::tuple{1, 33, 2912}, {2, 1092, 320}, {1, 4099, 128}}) put<MatmulQuantCase<Block>>(out, m, n, k);
}

// Story (8/4 heads, head_dim 16) and chat (12/4, head_dim 26); prefill from 0 and
// decode/prefill against a cache.
std::vector<AttentionShape> attention_shapes() {
    std::vector<AttentionShape> cases;
    const int heads[][3] = {{8, 4, 16}, {12, 4, 26}};
    for (const auto& h : heads)
        for (int seq : {1, 7, 64})
            for (int pos0 : {0, 37})
                for (int window : {0, 5}) cases.push_back({seq, pos0, h[0], h[1], h[2], window});
    cases.push_back({7, 3, 3, 1, 2, 0});         // head_dim 2, 3 query heads per kv head
    cases.push_back({64, 37, 12, 4, 26, 0, 1});  // one scratch slot: parallel variants go serial
    // The AVX-512 prefill tiles (16 rows): last tiles of 8 and 1 rows, a window of 7 inside
    // a tile, a cache before the prompt, GQA 2 and 3, head_dim 16..128 (the tile's limit)
    // and 130 (row code); seq 2 and 3 stay on the row code.
    for (int hd : {16, 26, 64, 128})
        for (auto [nh, nkv] : {std::pair{4, 2}, {6, 2}}) {
            cases.push_back({40, 0, nh, nkv, hd, 7});
            cases.push_back({33, 21, nh, nkv, hd, 0});
        }
    cases.push_back({17, 1000, 12, 4, 26, 20});  // window ends mid-block, a 1-row tile
    cases.push_back({40, 3, 3, 1, 130, 0});
    cases.push_back({2, 37, 8, 4, 16, 0});
    cases.push_back({3, 0, 6, 2, 26, 2});
    // Scores near ±100 (q, k up to ±12): exp overflows float unless the row max is subtracted.
    cases.push_back({7, 20, 12, 4, 26, 0, 4, 12.0f});
    cases.push_back({17, 30, 8, 4, 16, 5, 4, 12.0f});
    return cases;
}

void softmax_eval(CaseList& out) {
    for (int rows : {1, 7, 64})
        for (int pos0 : {0, 37})
            for (int window : {0, 5}) put<SoftmaxCase>(out, rows, pos0 + rows, pos0, window);
    put<SoftmaxCase>(out, 3, 26, 0, 0);  // columns past the last position are hidden
    put<SoftmaxCase>(out, 3, 1092, 1089, 0);
    put<SoftmaxCase>(out, 3, 1092, 1089, 5);
    put<SoftmaxCase>(out, 1, 1, 0, 1);
    put<SoftmaxCase>(out, 7, 44, 37, 0, 200.0f);  // large scores: a softmax must subtract the row max
}

// ---- the perf shapes -------------------------------------------------------------------
struct Model {
    const char* name;
    int hidden, n_heads, n_kv_heads, head_dim, ffn, vocab;
};
constexpr Model kModels[] = {
    {"story", 128, 8, 4, 16, 384, 2048},
    {"chat", 312, 12, 4, 26, 1092, 32002},
};
constexpr int kTokens[] = {1, 64, 512};
constexpr int kDecodeCache = 511;  // decode step: the new token at position 511

std::string tokens(int m) { return "/m" + std::to_string(m); }

// Every weight matrix of one layer (n × k) and the lm_head, of both models, at every token
// count; lm_head only at m = 1 (the forward pass computes logits for the last position only).
void matmul_perf(CaseList& out, auto make) {
    for (const Model& mdl : kModels) {
        const std::pair<const char*, std::pair<int, int>> shapes[] = {
            {"attn_q", {mdl.hidden, mdl.hidden}},
            {"attn_kv", {mdl.n_kv_heads * mdl.head_dim, mdl.hidden}},
            {"ffn_up", {mdl.ffn, mdl.hidden}},
            {"ffn_down", {mdl.hidden, mdl.ffn}},
            {"lm_head", {mdl.vocab, mdl.hidden}}};
        for (const auto& [shape, nk] : shapes)
            for (int m : kTokens) {
                if (std::string(shape) == "lm_head" && m != 1) continue;
                if (auto c = make(m, nk.first, nk.second, std::string(mdl.name) + "_" + shape + tokens(m))) out.push_back(std::move(c));
            }
    }
}

}  // namespace

CaseList eval_cases(Op op) {
    CaseList out;
    switch (op) {
        case Op::matmul: matmul_eval(out); break;
        case Op::matmul_bf16: matmul_bf16_eval(out); break;
        case Op::matmul_q8_0: matmul_quant_eval<BlockQ8_0>(out); break;
        case Op::matmul_q4_0: matmul_quant_eval<BlockQ4_0>(out); break;
        case Op::rmsnorm:
            for (int rows : {1, 3, 7, 64})
                for (int dim : kSizes) put<RmsNormCase>(out, rows, dim);
            break;
        case Op::rope:
            for (int seq : {1, 7, 64})
                for (auto [h, d] : {std::pair{8, 16}, {12, 26}, {3, 2}, {1, 128}}) put<RopeCase>(out, seq, h, d);
            break;
        case Op::softmax: softmax_eval(out); break;
        case Op::attention:
            for (const auto& s : attention_shapes()) put<AttentionCase>(out, s);
            break;
        case Op::swiglu:
            for (int n : kSizes)
                for (bool in_place : {false, true}) put<SwigluCase>(out, n, in_place);
            put<SwigluCase>(out, 64 * 1092, false);
            break;
        case Op::gather:
            for (int n_ids : {1, 7, 64})
                for (int dim : kSizes) put<GatherCase>(out, n_ids, dim, kGatherVocab);
            break;
        case Op::add:
            for (int n : kSizes) put<AddCase>(out, n);
            put<AddCase>(out, 64 * 1092);
            break;
    }
    return out;
}

CaseList determinism_cases(Op op) {
    CaseList out;
    switch (op) {
        case Op::matmul:
            put<MatmulCase>(out, 1, 4099, 312, 1.0f, 0.0f);
            put<MatmulCase>(out, 127, 1092, 312, 0.7f, -1.3f);
            put<MatmulCase>(out, 64, 312, 1092, 1.0f, 0.0f);
            break;
        case Op::matmul_bf16:
            // Split gemv (m 1 and 3), gemm tiles of all rows, and 384-row tiles (m > 768).
            for (auto [m, n, k] : {std::tuple{1, 4099, 312}, {3, 4099, 312}, {127, 1092, 312}, {64, 312, 1092}, {800, 100, 312}})
                put<MatmulBf16Case>(out, m, n, k);
            break;
        case Op::matmul_q8_0:
        case Op::matmul_q4_0:
            // Split decode (m 1, 3: pieces of 16-column groups) and prefill.
            for (auto [m, n, k] : {std::tuple{1, 4099, 320}, {3, 4099, 320}, {127, 1092, 320}, {64, 320, 1088}}) {
                if (op == Op::matmul_q8_0) put<MatmulQuantCase<BlockQ8_0>>(out, m, n, k);
                else put<MatmulQuantCase<BlockQ4_0>>(out, m, n, k);
            }
            break;
        case Op::rmsnorm:
            for (int rows : {1, 3, 7, 64})
                for (int dim : kSizes)
                    if (rows * dim >= 7 * 1092) put<RmsNormCase>(out, rows, dim);
            break;
        case Op::rope:
            for (auto [h, d] : {std::pair{8, 16}, {12, 26}, {3, 2}, {1, 128}}) put<RopeCase>(out, 64, h, d);
            break;
        case Op::softmax:
            put<SoftmaxCase>(out, 64, 1092, 1028, 0);
            put<SoftmaxCase>(out, 64, 1092, 1028, 5);
            break;
        case Op::attention:
            for (const auto& s : attention_shapes())
                if (s.seq == 64) put<AttentionCase>(out, s);
            break;
        default: out = eval_cases(op);  // swiglu, gather, add: every case is cheap
    }
    return out;
}

CaseList perf_cases(Op op) {
    CaseList out;
    switch (op) {
        case Op::matmul:
            matmul_perf(out, [](int m, int n, int k, std::string name) {
                return std::make_unique<MatmulCase>(m, n, k, 1.0f, 0.0f, std::move(name));
            });
            break;
        case Op::matmul_bf16:
            matmul_perf(out, [](int m, int n, int k, std::string name) {
                return std::make_unique<MatmulBf16Case>(m, n, k, std::move(name));
            });
            break;
        case Op::matmul_q8_0:
        case Op::matmul_q4_0:
            // Story's shapes (chat's 312/1092-wide rows stay bf16: no blocks) and TinyLlama's
            // decode GEMVs (hidden 2048, ffn 5632), where decode is bound by the weight bytes, and
            // one of its 64-token prefill matmuls.
            matmul_perf(out, [op](int m, int n, int k, std::string name) -> std::unique_ptr<KernelCase> {
                if (k % kQuantBlock != 0) return nullptr;
                if (op == Op::matmul_q8_0) return std::make_unique<MatmulQuantCase<BlockQ8_0>>(m, n, k, std::move(name));
                return std::make_unique<MatmulQuantCase<BlockQ4_0>>(m, n, k, std::move(name));
            });
            for (auto [shape, m, n, k] : {std::tuple{"tinyllama_ffn_up/m1", 1, 5632, 2048}, {"tinyllama_ffn_down/m1", 1, 2048, 5632},
                                          {"tinyllama_ffn_up/m64", 64, 5632, 2048}}) {
                if (op == Op::matmul_q8_0) put<MatmulQuantCase<BlockQ8_0>>(out, m, n, k, shape);
                else put<MatmulQuantCase<BlockQ4_0>>(out, m, n, k, shape);
            }
            break;
        case Op::softmax:  // scores of one head: decode against the cache, or causal prefill
            for (int m : kTokens) {
                const int pos0 = m == 1 ? kDecodeCache : 0;
                for (int window : {0, 64})
                    put<SoftmaxCase>(out, m, pos0 + m, pos0, window, 8.0f,
                                     std::string("scores") + (window ? "_window64" : "") + tokens(m));
            }
            break;
        default:
            for (const Model& mdl : kModels)
                for (int m : kTokens) {
                    const std::string model = mdl.name;
                    if (op == Op::rmsnorm) put<RmsNormCase>(out, m, mdl.hidden, model + "_hidden" + tokens(m));
                    if (op == Op::rope) put<RopeCase>(out, m, mdl.n_heads, mdl.head_dim, model + "_q" + tokens(m));
                    if (op == Op::attention)
                        put<AttentionCase>(out,
                                           AttentionShape{m, m == 1 ? kDecodeCache : 0, mdl.n_heads, mdl.n_kv_heads,
                                                          mdl.head_dim, 0, 8},
                                           model + tokens(m));
                    if (op == Op::swiglu) put<SwigluCase>(out, m * mdl.ffn, false, model + "_ffn" + tokens(m));
                    if (op == Op::gather) put<GatherCase>(out, m, mdl.hidden, mdl.vocab, model + "_embed" + tokens(m));
                    if (op == Op::add) put<AddCase>(out, m * mdl.hidden, model + "_residual" + tokens(m));
                }
    }
    return out;
}

}  // namespace lmh::kernels::cases
