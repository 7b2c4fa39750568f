// acts=bf16 (kernels/matmul_bf16.h): bf16 weights times activations rounded to bf16.
// Expected values are hand-derived (which way each activation rounds, and the exact sums of
// products of bf16 values), independent of bf16.h; the registry's handling of the spec item
// and the set name bf16xbf16; and test-backend-ops' check, every acts=bf16 variant against the
// naive acts=bf16 variant on identical inputs. (kernels_test.cpp also holds every acts=bf16 row
// to the float64 reference of the case table with A rounded by an independent rounding.)
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "kernels/registry.h"
#include "tests/against_naive.h"
#include "util/error.h"

namespace lmh::kernels {
namespace {

// bf16 has 8 significant bits, so next to 1.0 its step is 2^-7 and half a step 2^-8. Three
// activations and the bf16 value each rounds to (round to nearest, ties to even):
//   x0 = 1 + 3·2^-9  above the halfway point 1 + 2^-8           -> 1 + 2^-7
//   x1 = 1 + 2^-8    a tie between 1 (last bit even) and 1 + 2^-7 -> 1
//   x2 = 1 + 3·2^-8  a tie between 1 + 2^-7 (odd) and 1 + 2^-6    -> 1 + 2^-6
constexpr float kX[3] = {1.0f + 3 * 0x1p-9f, 1.0f + 0x1p-8f, 1.0f + 3 * 0x1p-8f};
constexpr float kRounded[3] = {1.0f + 0x1p-7f, 1.0f, 1.0f + 0x1p-6f};
// bf16 bit patterns of the weights used below: 1.0, 2.0, -0.5, 0.25.
constexpr std::uint16_t kOne = 0x3F80, kTwo = 0x4000, kMinusHalf = 0xBF00, kQuarter = 0x3E80;

std::vector<VariantInfo> acts_bf16_rows() {
    std::vector<VariantInfo> rows;
    for (const auto& v : list_variants())
        if (v.op == Op::matmul_bf16 && v.activations == DataFormat::bf16) rows.push_back(v);
    return rows;
}

// A = m rows of k activations cycling x0, x1, x2, row i scaled by 2^i (a power of two rounds
// the same way); B = weight row 0 all ones, row 1 cycling 2, -0.5, 0.25. k = 19: two full
// AVX2 vectors and a tail of 3; m = 5: a 4-row tile and a 1-row one. Every partial sum of
// these products is a multiple of 2^-8 below 2^6 (14 significant bits), so it is exact in f32
// whatever the summation order, and each variant must give the expected values exactly.
TEST(Bf16Acts, EveryVariantRoundsActivationsAsDerivedByHand) {
    constexpr int m = 5, n = 2, k = 19;
    std::vector<float> a(m * k);
    std::vector<std::uint16_t> b(n * k);
    const std::uint16_t pattern1[3] = {kTwo, kMinusHalf, kQuarter};
    const float w1[3] = {2.0f, -0.5f, 0.25f};
    for (int i = 0; i < m; ++i)
        for (int p = 0; p < k; ++p) a[i * k + p] = std::ldexp(kX[p % 3], i);
    for (int p = 0; p < k; ++p) {
        b[p] = kOne;
        b[k + p] = pattern1[p % 3];
    }
    // Expected, per row i (× 2^i): the 19 positions hold x0 seven times, x1 and x2 six times each.
    //   row 0 of B: 7(1 + 2^-7) + 6 + 6(1 + 2^-6)               = 19 + 7·2^-7 + 6·2^-6 = 19.1484375
    //   row 1 of B: 7·2(1 + 2^-7) − 6·0.5 + 6·0.25(1 + 2^-6)    = 12.5 + 14·2^-7 + 1.5·2^-6 = 12.6328125
    // and without rounding (acts=f32), for contrast: 7·x0 + 6·x1 + 6·x2 = 19 + 21·2^-9 + 24·2^-8.
    const double want_bf16[2] = {19.1484375, 12.6328125};
    const double want_f32_row0 = 19.0 + 21 * 0x1p-9 + 24 * 0x1p-8;
    double check_counts[2] = {0, 0};  // the same sums from the constants, to catch a typo above
    for (int p = 0; p < k; ++p) {
        check_counts[0] += kRounded[p % 3];
        check_counts[1] += (double)kRounded[p % 3] * w1[p % 3];
    }
    ASSERT_EQ(check_counts[0], want_bf16[0]);
    ASSERT_EQ(check_counts[1], want_bf16[1]);

    const auto rows = acts_bf16_rows();
    ASSERT_GE(rows.size(), 3u);  // naive, simd@avx2, tbb-simd@avx2
    for (const auto& v : rows) {
        if (!v.available) continue;
        SCOPED_TRACE(v.label());
        const KernelSet ks = make_kernel_set(variant_spec(v));
        ASSERT_EQ(ks.name(Op::matmul_bf16), v.full_name());
        std::vector<float> c(m * n + 2, std::numeric_limits<float>::quiet_NaN());  // unwritten stays NaN
        c[m * n] = c[m * n + 1] = -7.0f;                                             // past the end: must stay
        ks.matmul_bf16(a.data(), b.data(), c.data(), m, n, k);
        for (int i = 0; i < m; ++i)
            for (int j = 0; j < n; ++j) EXPECT_EQ(c[i * n + j], std::ldexp(want_bf16[j], i)) << "row " << i << " col " << j;
        EXPECT_EQ(c[m * n], -7.0f);
        EXPECT_EQ(c[m * n + 1], -7.0f);
    }
    // The widening strategy (acts=f32) on the same inputs keeps the activations as they are.
    std::vector<float> c(m * n, std::numeric_limits<float>::quiet_NaN());
    make_kernel_set("bf16").matmul_bf16(a.data(), b.data(), c.data(), m, n, k);
    EXPECT_EQ(c[0], want_f32_row0);
}

// A product of two bf16 values has at most 16 significant bits, so f32 holds it exactly: a
// kernel that rounded products (or sums) to bf16 would lose the 2^-14 here.
TEST(Bf16Acts, ProductsOfBf16ValuesAreExact) {
    const float a[1] = {1.0f + 0x1p-7f};
    const std::uint16_t b[1] = {0x3F81};  // 1 + 2^-7
    for (const auto& v : acts_bf16_rows()) {
        if (!v.available) continue;
        float c[1] = {std::numeric_limits<float>::quiet_NaN()};
        make_kernel_set(variant_spec(v)).matmul_bf16(a, b, c, 1, 1, 1);
        EXPECT_EQ(c[0], 1.0f + 0x1p-6f + 0x1p-14f) << v.label();
    }
}

// test-backend-ops' check: each acts=bf16 variant against the naive acts=bf16 variant on
// identical inputs (the kernel case table's random f32 activations, so the rounding is
// exercised too). The products are the same exact values; only the f32 order of the sums
// differs, so NMSE <= 1e-10 — a different rounding of A would show as ~3e-6.
TEST(Bf16Acts, EveryVariantMatchesNaiveOnIdenticalInputs) {
    const KernelSet naive = make_kernel_set("matmul_bf16=naive,weights=bf16,acts=bf16");
    ASSERT_EQ(naive.matmul_bf16, &matmul_bf16xbf16_naive);
    int compared = 0;
    for (const auto& v : acts_bf16_rows()) {
        if (v.name == "naive" || !v.available) continue;
        const KernelSet ks = make_kernel_set(variant_spec(v));
        ASSERT_EQ(ks.name(Op::matmul_bf16), v.full_name());
        ASSERT_EQ(ks.acts, DataFormat::bf16);
        test::expect_matches_naive(Op::matmul_bf16, naive, ks, v.label());
        ++compared;
    }
    if (cpu_supports(CpuNeed::avx2)) {
        EXPECT_EQ(compared, cpu_supports(CpuNeed::avx512_bf16) ? 4 : 2);
    }
}

// ---- the registry ----------------------------------------------------------------------

TEST(Bf16Acts, SpecSelectsTheActsBf16Rows) {
    const KernelSet ks = make_kernel_set("weights=bf16,acts=bf16");
    EXPECT_EQ(ks.weights, WeightFormat::bf16);
    EXPECT_EQ(ks.acts, DataFormat::bf16);
    EXPECT_EQ(variant_of(ks, Op::matmul_bf16).activations, DataFormat::bf16);
    EXPECT_EQ(make_kernel_set("naive,weights=bf16,acts=bf16").matmul_bf16, &matmul_bf16xbf16_naive);
    // No tbb acts=bf16 row: the chain tbb -> blocked -> naive ends at naive acts=bf16, never
    // at an acts=f32 row (the set keeps its arithmetic).
    const KernelSet tbb = make_kernel_set("tbb,weights=bf16,acts=bf16");
    EXPECT_EQ(tbb.matmul_bf16, &matmul_bf16xbf16_naive);
    EXPECT_EQ(tbb.name(Op::matmul_bf16), "naive");
    if (cpu_supports(CpuNeed::avx512_bf16)) {
        EXPECT_EQ(ks.matmul_bf16, &matmul_bf16xbf16_tbb_simd_avx512bf16);
        EXPECT_EQ(ks.name(Op::matmul_bf16), "tbb-simd@avx512");
        EXPECT_EQ(make_kernel_set("simd,weights=bf16,acts=bf16").matmul_bf16, &matmul_bf16xbf16_simd_avx512bf16);
    } else if (cpu_supports(CpuNeed::avx2)) {
        EXPECT_EQ(ks.matmul_bf16, &matmul_bf16xbf16_tbb_simd_avx2);
        EXPECT_EQ(ks.name(Op::matmul_bf16), "tbb-simd@avx2");
    }
    if (cpu_supports(CpuNeed::avx2)) {
        const KernelSet simd = make_kernel_set("simd@avx2,weights=bf16,acts=bf16");
        EXPECT_EQ(simd.matmul_bf16, &matmul_bf16xbf16_simd_avx2);
        EXPECT_EQ(simd.name(Op::matmul_bf16), "simd@avx2");
    }
    // The same names without acts=bf16 are the widening rows.
    EXPECT_EQ(make_kernel_set("naive,weights=bf16").matmul_bf16, &matmul_bf16_naive);
    EXPECT_EQ(make_kernel_set("bf16").acts, DataFormat::f32);
    EXPECT_EQ(variant_of(make_kernel_set("bf16"), Op::matmul_bf16).activations, DataFormat::f32);
    // A quantized set's bf16 fallback matrices widen (acts=q8 has no bf16 rows).
    EXPECT_EQ(variant_of(make_kernel_set("q8_0"), Op::matmul_bf16).activations, DataFormat::f32);
}

TEST(Bf16Acts, SetNameIsBf16WithActsBf16AndDescribesItself) {
    const KernelSet set = make_kernel_set("bf16xbf16"), spec = make_kernel_set("weights=bf16,acts=bf16");
    EXPECT_EQ(set.describe(), spec.describe());
    EXPECT_EQ(set.matmul_bf16, spec.matmul_bf16);
    // The bf16 set's spec with acts=bf16 is this set: each op keeps its requested name, and
    // matmul_bf16 takes that name's acts=bf16 row (on AVX-512 CPUs the widening row's ISA
    // suffix names a row acts=bf16 may not have, so the strings themselves can differ).
    EXPECT_EQ(make_kernel_set(make_kernel_set("bf16").describe() + ",acts=bf16").describe(), set.describe());
    EXPECT_EQ(make_kernel_set(set.describe()).describe(), set.describe());
    EXPECT_EQ(make_kernel_set(set.describe()).matmul_bf16, set.matmul_bf16);
    EXPECT_EQ(make_kernel_set("bf16xbf16,acts=f32").describe(), make_kernel_set("bf16").describe());
    const auto sets = kernel_set_names();
    EXPECT_NE(std::find(sets.begin(), sets.end(), "bf16xbf16"), sets.end());
    EXPECT_TRUE(is_deterministic(set));
    // The naive and AVX2 acts=bf16 rows are batch-invariant, the AVX512-BF16 rows not (their
    // prefill sums in another order than their decode); the set is as invariant as its ops.
    EXPECT_EQ(variant_of(set, Op::matmul_bf16).batch_invariant, !cpu_supports(CpuNeed::avx512_bf16));
    bool others = true;
    for (Op op : kAllOps)
        if (op != Op::matmul && op != Op::matmul_bf16) others = others && variant_of(set, op).batch_invariant;
    EXPECT_EQ(is_batch_invariant(set), others && variant_of(set, Op::matmul_bf16).batch_invariant);
    if (!cpu_supports(CpuNeed::avx512)) {
        EXPECT_TRUE(is_batch_invariant(set));
    }
    EXPECT_THROW(make_kernel_set("matmul=bf16xbf16"), KernelSpecError);
}

TEST(Bf16Acts, OtherWeightsAreRefusedWithOneLine) {
    for (const char* spec : {"acts=bf16", "weights=f32,acts=bf16", "q8_0,acts=bf16", "weights=q4_0,acts=bf16", "bf16xbf16,weights=f32"}) {
        SCOPED_TRACE(spec);
        try {
            make_kernel_set(spec);
            ADD_FAILURE() << "no KernelSpecError";
        } catch (const KernelSpecError& e) {
            const std::string msg = e.what();
            EXPECT_NE(msg.find("acts=bf16 needs bf16 weights"), std::string::npos) << msg;
            EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
        }
        EXPECT_THROW(make_kernel_set_for(spec, "--kernels"), Error);
    }
    try {
        make_kernel_set("weights=bf16,acts=int4");
        ADD_FAILURE() << "no KernelSpecError";
    } catch (const KernelSpecError& e) {
        EXPECT_NE(std::string(e.what()).find("f32, bf16, q8"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lmh::kernels
