// Every registered kernel variant of every op, checked against the float64 references in
// tests/kernel_reference.h (the independent source of expected values) through one
// comparison helper: relative L2 error ||out - ref||₂ / ||ref||₂ <= kMaxRelL2, and no NaN or
// inf anywhere in the output. Output buffers are poisoned with NaN before each call (an
// unwritten element fails) and wrapped in sentinel guards (a write past either end fails).
// oneTBB variants must also give bitwise identical outputs for 1 and 2 threads and across
// repeated runs. Variants this CPU cannot run are reported as skipped.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <numbers>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/registry.h"
#include "tests/kernel_reference.h"

namespace lmh::kernels {
namespace {

// f32 accumulation over at most ~1100 terms stays near 1e-6; 1e-5 leaves room without
// letting a wrong index or a dropped term (errors of 1e-3 and up) through.
constexpr double kMaxRelL2 = 1e-5;

// ---- shared helpers ----------------------------------------------------------------

std::vector<float> random_floats(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = dist(rng);
    return v;
}

// A buffer with kGuard sentinel floats on each side of its body. The body starts poisoned
// with NaN; guards_intact() checks the sentinels bit for bit after a kernel ran.
class Guarded {
public:
    static constexpr std::size_t kGuard = 16;
    explicit Guarded(std::size_t n) : buf_(n + 2 * kGuard, kSentinel), n_(n) { poison(); }
    explicit Guarded(const std::vector<float>& init) : Guarded(init.size()) {
        std::copy(init.begin(), init.end(), data());
    }
    float* data() { return buf_.data() + kGuard; }
    std::span<const float> body() const { return {buf_.data() + kGuard, n_}; }
    std::vector<float> copy() const { return {body().begin(), body().end()}; }
    void poison() { std::fill(data(), data() + n_, std::nanf("")); }

    ::testing::AssertionResult guards_intact() const {
        for (std::size_t i = 0; i < kGuard; ++i) {
            if (!same_bits(buf_[i], kSentinel))
                return ::testing::AssertionFailure() << "write before the buffer, at index -" << (kGuard - i);
            if (!same_bits(buf_[kGuard + n_ + i], kSentinel))
                return ::testing::AssertionFailure() << "write past the end, at index " << (n_ + i);
        }
        return ::testing::AssertionSuccess();
    }

private:
    static constexpr float kSentinel = -1234.5678f;
    static bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }
    std::vector<float> buf_;
    std::size_t n_;
};

// The one comparison helper: relative L2 error against the float64 reference, NaN/inf fail.
::testing::AssertionResult matches_reference(std::span<const float> out, const std::vector<double>& ref,
                                             double max_rel = kMaxRelL2) {
    if (out.size() != ref.size())
        return ::testing::AssertionFailure() << "size " << out.size() << " != reference size " << ref.size();
    double err = 0.0, norm = 0.0;
    for (std::size_t i = 0; i < out.size(); ++i) {
        if (!std::isfinite(out[i]))
            return ::testing::AssertionFailure() << "non-finite output " << out[i] << " at index " << i
                                                 << " (reference " << ref[i] << ")";
        err += (out[i] - ref[i]) * (out[i] - ref[i]);
        norm += ref[i] * ref[i];
    }
    const double rel = norm > 0.0 ? std::sqrt(err / norm) : std::sqrt(err);
    if (rel <= max_rel) return ::testing::AssertionSuccess();
    std::size_t worst = 0;
    for (std::size_t i = 0; i < out.size(); ++i)
        if (std::abs(out[i] - ref[i]) > std::abs(out[worst] - ref[worst])) worst = i;
    return ::testing::AssertionFailure() << "relative L2 error " << rel << " > " << max_rel << "; worst at index "
                                         << worst << ": " << out[worst] << " vs " << ref[worst];
}

// ---- one case runner per op: build inputs from a seed, run, check, return the output -----
// check == false skips the reference (the thread-determinism test only compares outputs).

struct MatmulCase {
    int m, n, k;
    float alpha, beta;
};
std::vector<float> run_matmul(MatmulFn fn, const MatmulCase& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "matmul m=" << t.m << " n=" << t.n << " k=" << t.k << " alpha=" << t.alpha
                                      << " beta=" << t.beta);
    const std::uint32_t seed = (std::uint32_t)(t.m * 7919 + t.n * 31 + t.k);
    const auto a = random_floats((std::size_t)t.m * t.k, seed);
    const auto b = random_floats((std::size_t)t.n * t.k, seed + 1);
    const auto c0 = random_floats((std::size_t)t.m * t.n, seed + 2);
    Guarded c((std::size_t)t.m * t.n);  // beta == 0: NaN stays in C, must not leak
    if (t.beta != 0.0f) std::copy(c0.begin(), c0.end(), c.data());
    fn(a.data(), b.data(), c.data(), t.m, t.n, t.k, t.alpha, t.beta);
    EXPECT_TRUE(c.guards_intact());
    if (check) {
        EXPECT_TRUE(matches_reference(c.body(), reference::matmul(a.data(), b.data(), c0.data(), t.m, t.n, t.k, t.alpha, t.beta)));
    }
    return c.copy();
}

// bf16 weights: random f32 rounded to bf16, and the reference is the f32 matmul reference
// run on those same weights decoded (a 16-bit shift written out here, not bf16.h), so the
// only error left is f32 accumulation and the budget is the f32 one.
struct MatmulBf16Case {
    int m, n, k;
};
std::vector<float> run_matmul_bf16(MatmulBf16Fn fn, const MatmulBf16Case& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "matmul_bf16 m=" << t.m << " n=" << t.n << " k=" << t.k);
    const std::uint32_t seed = (std::uint32_t)(t.m * 7919 + t.n * 31 + t.k + 17);
    const auto a = random_floats((std::size_t)t.m * t.k, seed);
    const auto w = random_floats((std::size_t)t.n * t.k, seed + 1);
    std::vector<std::uint16_t> b(w.size());
    f32_to_bf16_n(w.data(), b.data(), w.size());
    Guarded c((std::size_t)t.m * t.n);  // C is write-only: the NaN poison must not leak
    fn(a.data(), b.data(), c.data(), t.m, t.n, t.k);
    EXPECT_TRUE(c.guards_intact());
    if (check) {
        std::vector<float> decoded(b.size());
        for (std::size_t i = 0; i < b.size(); ++i) {
            const std::uint32_t bits = (std::uint32_t)b[i] << 16;
            std::memcpy(&decoded[i], &bits, sizeof bits);
        }
        EXPECT_TRUE(matches_reference(c.body(), reference::matmul(a.data(), decoded.data(), nullptr, t.m, t.n, t.k, 1.0, 0.0)));
    }
    return c.copy();
}

struct RmsNormCase {
    int rows, dim;
};
std::vector<float> run_rmsnorm(RmsNormFn fn, const RmsNormCase& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "rmsnorm rows=" << t.rows << " dim=" << t.dim);
    const auto x = random_floats((std::size_t)t.rows * t.dim, t.rows * 100 + t.dim, -2.0f, 2.0f);
    const auto w = random_floats(t.dim, t.dim + 5, 0.5f, 1.5f);
    Guarded y((std::size_t)t.rows * t.dim);
    fn(x.data(), w.data(), y.data(), t.rows, t.dim, 1e-5f);
    EXPECT_TRUE(y.guards_intact());
    if (check) {
        EXPECT_TRUE(matches_reference(y.body(), reference::rmsnorm(x.data(), w.data(), t.rows, t.dim, 1e-5)));
    }
    return y.copy();
}

struct RopeCase {
    int seq, n_heads, head_dim;
};
std::vector<float> run_rope(RopeFn fn, const RopeCase& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "rope seq=" << t.seq << " heads=" << t.n_heads << " head_dim=" << t.head_dim);
    const std::size_t n = (std::size_t)t.seq * t.n_heads * t.head_dim;
    const auto x = random_floats(n, t.seq * 1000 + t.n_heads * 10 + t.head_dim);
    const auto angle = random_floats((std::size_t)t.seq * (t.head_dim / 2), t.seq + 3, -std::numbers::pi_v<float>,
                                     std::numbers::pi_v<float>);
    std::vector<float> cos(angle.size()), sin(angle.size());
    for (std::size_t i = 0; i < angle.size(); ++i) {
        cos[i] = (float)std::cos((double)angle[i]);
        sin[i] = (float)std::sin((double)angle[i]);
    }
    Guarded y(x);  // in place
    fn(y.data(), t.seq, t.n_heads, t.head_dim, cos.data(), sin.data());
    EXPECT_TRUE(y.guards_intact());
    if (check) {
        EXPECT_TRUE(matches_reference(y.body(), reference::rope(x.data(), t.seq, t.n_heads, t.head_dim, cos.data(), sin.data())));
    }
    return y.copy();
}

struct SoftmaxCase {
    int rows, cols, pos0, window;
};
std::vector<float> run_softmax(SoftmaxFn fn, const SoftmaxCase& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "softmax rows=" << t.rows << " cols=" << t.cols << " pos0=" << t.pos0
                                      << " window=" << t.window);
    // Scores up to ±8 so exp spans e^-16..1 after the max is subtracted.
    const auto x = random_floats((std::size_t)t.rows * t.cols, t.rows * 77 + t.cols + t.window, -8.0f, 8.0f);
    Guarded y(x);  // in place
    fn(y.data(), t.rows, t.cols, t.pos0, t.window);
    EXPECT_TRUE(y.guards_intact());
    if (check) {
        const auto ref = reference::softmax(x.data(), t.rows, t.cols, t.pos0, t.window);
        EXPECT_TRUE(matches_reference(y.body(), ref));
        for (std::size_t i = 0; i < ref.size(); ++i)
            if (ref[i] == 0.0 && y.body()[i] != 0.0f) {
                ADD_FAILURE() << "hidden column not written as exactly 0 at row " << i / t.cols << " col " << i % t.cols;
                break;
            }
    }
    return y.copy();
}

struct AttentionCase {
    int seq, pos0, n_heads, n_kv_heads, head_dim, window;
    int scratch_slots = 4;
};
std::vector<float> run_attention(AttentionFn fn, const AttentionCase& t, bool check) {
    SCOPED_TRACE(::testing::Message() << "attention seq=" << t.seq << " pos0=" << t.pos0 << " heads=" << t.n_heads << "/"
                                      << t.n_kv_heads << " head_dim=" << t.head_dim << " window=" << t.window
                                      << " scratch_slots=" << t.scratch_slots);
    const int kv_len = t.pos0 + t.seq;
    const std::uint32_t seed = (std::uint32_t)(t.seq * 131 + t.pos0 * 17 + t.n_heads + t.window);
    const auto q = random_floats((std::size_t)t.seq * t.n_heads * t.head_dim, seed, -2.0f, 2.0f);
    const auto k = random_floats((std::size_t)kv_len * t.n_kv_heads * t.head_dim, seed + 1, -2.0f, 2.0f);
    const auto v = random_floats((std::size_t)kv_len * t.n_kv_heads * t.head_dim, seed + 2);
    const std::size_t stride = (std::size_t)kv_len + 3;  // deliberately not kv_len
    Guarded scratch(stride * t.scratch_slots);
    Guarded out((std::size_t)t.seq * t.n_heads * t.head_dim);
    AttentionArgs args;
    args.q = q.data();
    args.k = k.data();
    args.v = v.data();
    args.out = out.data();
    args.seq = t.seq;
    args.pos0 = t.pos0;
    args.n_heads = t.n_heads;
    args.n_kv_heads = t.n_kv_heads;
    args.head_dim = t.head_dim;
    args.window = t.window;
    args.scale = 1.0f / std::sqrt((float)t.head_dim);
    args.scratch = scratch.data();
    args.scratch_slots = t.scratch_slots;
    args.scratch_stride = stride;
    fn(args);
    EXPECT_TRUE(out.guards_intact());
    EXPECT_TRUE(scratch.guards_intact()) << "scratch";
    if (check) {
        EXPECT_TRUE(matches_reference(out.body(), reference::attention(q.data(), k.data(), v.data(), t.seq, t.pos0, t.n_heads,
                                                                       t.n_kv_heads, t.head_dim, t.window, args.scale)));
    }
    return out.copy();
}

std::vector<float> run_swiglu(SwigluFn fn, int n, bool in_place, bool check) {
    SCOPED_TRACE(::testing::Message() << "swiglu n=" << n << (in_place ? " out=gate" : ""));
    // Gates to ±12 reach the saturated ends of silu.
    const auto gate = random_floats(n, n + 11, -12.0f, 12.0f);
    const auto up = random_floats(n, n + 12);
    Guarded out(n);
    if (in_place) std::copy(gate.begin(), gate.end(), out.data());
    fn(in_place ? out.data() : gate.data(), up.data(), out.data(), n);
    EXPECT_TRUE(out.guards_intact());
    if (check) {
        EXPECT_TRUE(matches_reference(out.body(), reference::swiglu(gate.data(), up.data(), n)));
    }
    return out.copy();
}

std::vector<float> run_gather(GatherFn fn, int n_ids, int dim, bool check) {
    SCOPED_TRACE(::testing::Message() << "gather n_ids=" << n_ids << " dim=" << dim);
    constexpr int kVocab = 50;
    const auto table = random_floats((std::size_t)kVocab * dim, dim + 21);
    std::mt19937 rng(n_ids);
    std::vector<int> ids(n_ids);
    for (auto& id : ids) id = (int)(rng() % kVocab);
    ids.back() = kVocab - 1;  // the last row of the table is reachable
    Guarded out((std::size_t)n_ids * dim);
    fn(table.data(), ids.data(), out.data(), n_ids, dim);
    EXPECT_TRUE(out.guards_intact());
    if (check) {
        std::vector<double> ref;
        for (int id : ids) ref.insert(ref.end(), table.begin() + (long)id * dim, table.begin() + (long)(id + 1) * dim);
        EXPECT_TRUE(matches_reference(out.body(), ref, 0.0));  // a copy is exact
    }
    return out.copy();
}

std::vector<float> run_add(AddFn fn, int n, bool check) {
    SCOPED_TRACE(::testing::Message() << "add n=" << n);
    const auto x = random_floats(n, n + 31), y = random_floats(n, n + 32);
    Guarded out(x);  // in place
    fn(out.data(), y.data(), n);
    EXPECT_TRUE(out.guards_intact());
    if (check) {
        std::vector<double> ref(n);
        for (int i = 0; i < n; ++i) ref[i] = (double)x[i] + y[i];
        EXPECT_TRUE(matches_reference(out.body(), ref));
    }
    return out.copy();
}

// ---- shapes --------------------------------------------------------------------------
// Sizes 1, 3, 26, 127, 312, 1092 (odd, prime, below/above a SIMD width, the chat model's
// hidden and ffn sizes); the chat lm_head shape once; story (8/4 heads, head_dim 16) and
// chat (12/4, head_dim 26) attention; prefill from 0 and decode/prefill against a cache.
constexpr int kSizes[] = {1, 3, 26, 127, 312, 1092};

std::vector<MatmulCase> matmul_cases() {
    const int shapes[][3] = {{1, 1, 1},     {1, 3, 3},      {3, 1, 1},       {3, 3, 3},      {1, 26, 26},
                             {3, 26, 127},  {26, 3, 26},    {26, 26, 1},     {1, 127, 312},  {127, 26, 3},
                             {26, 127, 312}, {3, 312, 1092}, {127, 312, 26}, {1, 1092, 312}, {5, 1092, 312},
                             {1, 312, 1092}, {64, 1092, 312}};
    std::vector<MatmulCase> cases;
    for (const auto& s : shapes) {
        cases.push_back({s[0], s[1], s[2], 1.0f, 0.0f});
        cases.push_back({s[0], s[1], s[2], 0.7f, -1.3f});
    }
    cases.push_back({1, 32002, 312, 1.0f, 0.0f});  // chat lm_head, decode
    return cases;
}

// m: decode, the small-m gemv (3 = a pair of A rows and a single one), and the widened-
// panel gemm with row tails (17, 257 > one 192-row block of partial sums); n and k with
// tails of every vector width. The cube is cut at 1e8 multiply-adds to keep the naive
// variant fast. Extra: m 2 and 5..9 (both sides of the gemv/gemm switch at 8), k 2900 >
// one 1280-column panel.
std::vector<MatmulBf16Case> matmul_bf16_cases() {
    std::vector<MatmulBf16Case> cases;
    for (int m : {1, 3, 17, 64, 257})
        for (int n : {1, 15, 16, 33, 312, 1092})
            for (int k : {1, 7, 16, 312, 1092})
                if ((double)m * n * k <= 1e8) cases.push_back({m, n, k});
    for (int m : {2, 5, 6, 7, 8, 9}) cases.push_back({m, 33, 100});
    cases.push_back({2, 1092, 312});
    cases.push_back({8, 312, 1092});
    cases.push_back({1, 33, 2900});
    cases.push_back({257, 33, 2900});
    cases.push_back({1, 32002, 312});  // chat lm_head, decode
    return cases;
}

std::vector<AttentionCase> attention_cases() {
    std::vector<AttentionCase> cases;
    const int heads[][3] = {{8, 4, 16}, {12, 4, 26}};
    for (const auto& h : heads)
        for (int seq : {1, 7, 64})
            for (int pos0 : {0, 37})
                for (int window : {0, 5}) cases.push_back({seq, pos0, h[0], h[1], h[2], window});
    cases.push_back({7, 3, 3, 1, 2, 0});      // head_dim 2, 3 query heads per kv head
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
    return cases;
}

std::vector<SoftmaxCase> softmax_cases() {
    std::vector<SoftmaxCase> cases;
    for (int rows : {1, 7, 64})
        for (int pos0 : {0, 37})
            for (int window : {0, 5}) cases.push_back({rows, pos0 + rows, pos0, window});
    cases.push_back({3, 26, 0, 0});      // columns past the last position are hidden
    cases.push_back({3, 1092, 1089, 0});
    cases.push_back({3, 1092, 1089, 5});
    cases.push_back({1, 1, 0, 1});
    return cases;
}

// ---- variant lookup ------------------------------------------------------------------

struct VariantParam {
    Op op;
    std::string name;
    bool available;
    bool parallel;  // from the registry table, not guessed from the name
};

std::vector<VariantParam> all_variants() {
    __builtin_cpu_init();  // list_variants() checks the CPU; this may run before libgcc's constructor
    std::vector<VariantParam> out;
    for (const auto& v : list_variants()) out.push_back({v.op, std::string(v.name), v.available, v.parallel});
    return out;
}

std::string param_name(const ::testing::TestParamInfo<VariantParam>& info) {
    std::string s = std::string(op_name(info.param.op)) + "_" + info.param.name;
    std::replace(s.begin(), s.end(), '-', '_');
    return s;
}

// The KernelSet whose op `op` is exactly variant `name` (the registry is asked for that one op).
KernelSet set_with(Op op, const std::string& name) {
    KernelSet ks = make_kernel_set(std::string(op_name(op)) + "=" + name);
    EXPECT_EQ(ks.name(op), name) << "registry fell back for an available variant";
    return ks;
}

// Runs every case of the op; check == false: outputs only, for the determinism test.
std::vector<float> run_all(Op op, const KernelSet& ks, bool check, bool large_only) {
    std::vector<float> all;
    auto keep = [&](std::vector<float> v) { all.insert(all.end(), v.begin(), v.end()); };
    switch (op) {
        case Op::matmul:
            if (large_only) {
                for (MatmulCase t : {MatmulCase{1, 4099, 312, 1.0f, 0.0f}, MatmulCase{127, 1092, 312, 0.7f, -1.3f},
                                     MatmulCase{64, 312, 1092, 1.0f, 0.0f}})
                    keep(run_matmul(ks.matmul, t, check));
            } else {
                for (const auto& t : matmul_cases()) keep(run_matmul(ks.matmul, t, check));
            }
            break;
        case Op::rmsnorm:
            for (int rows : {1, 3, 7, 64})
                for (int dim : kSizes)
                    if (!large_only || rows * dim >= 7 * 1092) keep(run_rmsnorm(ks.rmsnorm, {rows, dim}, check));
            break;
        case Op::rope:
            for (int seq : {1, 7, 64})
                for (auto [h, d] : {std::pair{8, 16}, {12, 26}, {3, 2}, {1, 128}})
                    if (!large_only || seq == 64) keep(run_rope(ks.rope, {seq, h, d}, check));
            break;
        case Op::softmax:
            if (large_only) {
                keep(run_softmax(ks.softmax, {64, 1092, 1028, 0}, check));
                keep(run_softmax(ks.softmax, {64, 1092, 1028, 5}, check));
            } else {
                for (const auto& t : softmax_cases()) keep(run_softmax(ks.softmax, t, check));
            }
            break;
        case Op::attention:
            for (const auto& t : attention_cases())
                if (!large_only || t.seq == 64) keep(run_attention(ks.attention, t, check));
            break;
        case Op::swiglu:
            for (int n : kSizes)
                for (bool in_place : {false, true}) keep(run_swiglu(ks.swiglu, n, in_place, check));
            keep(run_swiglu(ks.swiglu, 64 * 1092, false, check));
            break;
        case Op::gather:
            for (int n_ids : {1, 7, 64})
                for (int dim : kSizes) keep(run_gather(ks.gather, n_ids, dim, check));
            break;
        case Op::add:
            for (int n : kSizes) keep(run_add(ks.add, n, check));
            keep(run_add(ks.add, 64 * 1092, check));
            break;
        case Op::matmul_bf16:
            if (large_only) {
                // Split gemv (m 1 and 3), gemm tiles of all rows, and 384-row tiles (m > 768).
                for (MatmulBf16Case t : {MatmulBf16Case{1, 4099, 312}, MatmulBf16Case{3, 4099, 312},
                                         MatmulBf16Case{127, 1092, 312}, MatmulBf16Case{64, 312, 1092},
                                         MatmulBf16Case{800, 100, 312}})
                    keep(run_matmul_bf16(ks.matmul_bf16, t, check));
            } else {
                for (const auto& t : matmul_bf16_cases()) keep(run_matmul_bf16(ks.matmul_bf16, t, check));
            }
            break;
    }
    return all;
}

// ---- the tests -----------------------------------------------------------------------

class KernelVariant : public ::testing::TestWithParam<VariantParam> {};

TEST_P(KernelVariant, MatchesFloat64Reference) {
    const auto& p = GetParam();
    if (!p.available) GTEST_SKIP() << "this CPU lacks the instructions " << p.name << " needs";
    run_all(p.op, set_with(p.op, p.name), /*check=*/true, /*large_only=*/false);
}

TEST_P(KernelVariant, BitwiseIdenticalForOneAndTwoThreads) {
    const auto& p = GetParam();
    if (!p.available) GTEST_SKIP() << "this CPU lacks the instructions " << p.name << " needs";
    if (!p.parallel) GTEST_SKIP() << "single-threaded variant";
    const KernelSet ks = set_with(p.op, p.name);
    auto run_with = [&](int threads) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, threads);
        return run_all(p.op, ks, /*check=*/false, /*large_only=*/true);
    };
    const auto one = run_with(1), two = run_with(2), two_again = run_with(2), one_again = run_with(1);
    ASSERT_EQ(one.size(), two.size());
    EXPECT_EQ(0, std::memcmp(one.data(), two.data(), one.size() * sizeof(float))) << "1 vs 2 threads";
    EXPECT_EQ(0, std::memcmp(two.data(), two_again.data(), two.size() * sizeof(float))) << "repeated, 2 threads";
    EXPECT_EQ(0, std::memcmp(one.data(), one_again.data(), one.size() * sizeof(float))) << "repeated, 1 thread";
}

INSTANTIATE_TEST_SUITE_P(AllRegistered, KernelVariant, ::testing::ValuesIn(all_variants()), param_name);

TEST(KernelRegistry, PerOpSpecPicksTheNamedVariants) {
    const KernelSet ks = make_kernel_set("matmul=tbb,attention=blocked");
    EXPECT_EQ(ks.name(Op::matmul), "tbb");
    EXPECT_EQ(ks.name(Op::attention), "blocked");
    EXPECT_EQ(ks.matmul, &matmul_tbb);
    EXPECT_EQ(ks.attention, &attention_blocked);
}

TEST(KernelRegistry, UnknownVariantThrowsListingValidNames) {
    try {
        make_kernel_set("matmul=fastest");
        FAIL() << "no KernelSpecError";
    } catch (const KernelSpecError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find("fastest"), std::string::npos) << msg;
        for (const auto& name : variant_names()) EXPECT_NE(msg.find(name), std::string::npos) << name << ": " << msg;
    }
    EXPECT_THROW(make_kernel_set("gemm=naive"), KernelSpecError);
    EXPECT_THROW(make_kernel_set("turbo"), KernelSpecError);
}

TEST(KernelRegistry, EveryNameResolvesEveryOp) {
    const auto variants = list_variants();
    for (const auto& name : variant_names()) {
        SCOPED_TRACE(name);
        const KernelSet ks = make_kernel_set(name);
        EXPECT_TRUE(ks.matmul && ks.rmsnorm && ks.rope && ks.softmax && ks.attention && ks.swiglu && ks.gather && ks.add &&
                    ks.matmul_bf16);
        EXPECT_EQ(ks.weights, WeightFormat::f32);
        for (Op op : kAllOps) {
            const bool registered_and_available = std::any_of(variants.begin(), variants.end(), [&](const VariantInfo& v) {
                return v.op == op && v.name == ks.name(op) && v.available;
            });
            EXPECT_TRUE(registered_and_available) << op_name(op) << " resolved to '" << ks.name(op) << "'";
        }
        EXPECT_EQ(make_kernel_set(ks.describe()).describe(), ks.describe());
    }
}

// ---- weights=f32|bf16 and the "bf16" set name ----------------------------------------

TEST(KernelRegistry, WeightsItemSelectsTheFormat) {
    EXPECT_EQ(make_kernel_set("").weights, WeightFormat::f32);
    EXPECT_EQ(make_kernel_set("weights=f32").weights, WeightFormat::f32);
    const KernelSet naive = make_kernel_set("naive"), naive_bf16 = make_kernel_set("naive,weights=bf16");
    EXPECT_EQ(naive_bf16.weights, WeightFormat::bf16);
    EXPECT_EQ(naive_bf16.names, naive.names);  // variants untouched
    EXPECT_EQ(naive_bf16.describe(), naive.describe() + ",weights=bf16");
    EXPECT_EQ(make_kernel_set("weights=bf16,weights=f32").weights, WeightFormat::f32);  // the last item wins
}

TEST(KernelRegistry, Bf16SetIsTheDefaultVariantsWithBf16Weights) {
    const KernelSet def = make_kernel_set(""), bf16 = make_kernel_set("bf16");
    EXPECT_EQ(bf16.weights, WeightFormat::bf16);
    EXPECT_EQ(bf16.names, def.names);
    EXPECT_EQ(bf16.matmul, def.matmul);
    EXPECT_EQ(bf16.matmul_bf16, def.matmul_bf16);
    EXPECT_EQ(bf16.describe(), def.describe() + ",weights=bf16");
    // The description reproduces the set, and "bf16" combines with variant names either way round.
    const KernelSet again = make_kernel_set(bf16.describe());
    EXPECT_EQ(again.weights, WeightFormat::bf16);
    EXPECT_EQ(again.names, bf16.names);
    EXPECT_EQ(make_kernel_set("naive,bf16").describe(), make_kernel_set("naive,weights=bf16").describe());
    EXPECT_EQ(make_kernel_set("bf16,naive").describe(), make_kernel_set("naive,weights=bf16").describe());
    EXPECT_EQ(make_kernel_set("matmul_bf16=naive").matmul_bf16, &matmul_bf16_naive);
}

TEST(KernelRegistry, Bf16IsASetNameNotAVariant) {
    const auto names = variant_names();
    EXPECT_EQ(std::find(names.begin(), names.end(), "bf16"), names.end());
    for (const auto& v : list_variants()) EXPECT_NE(v.name, "bf16") << op_name(v.op);
    EXPECT_THROW(make_kernel_set("matmul=bf16"), KernelSpecError);
    EXPECT_THROW(make_kernel_set("matmul_bf16=bf16"), KernelSpecError);
}

TEST(KernelRegistry, BadWeightsValueThrowsListingValidValues) {
    for (const char* spec : {"weights=f16", "weights=", "naive,weights=BF16"}) {
        try {
            make_kernel_set(spec);
            ADD_FAILURE() << spec << ": no KernelSpecError";
        } catch (const KernelSpecError& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("f32"), std::string::npos) << msg;
            EXPECT_NE(msg.find("bf16"), std::string::npos) << msg;
        }
    }
}

}  // namespace
}  // namespace lmh::kernels
