// The registry's batch_invariant flag, checked on every available variant that claims it:
// each output row of a call over m rows must be bitwise the row a call over that row alone
// gives (whatever m and the other rows hold). The expected values are the variant's own
// one-row results: the property under test is the independence, not the arithmetic (the
// kernel tests hold that to float64 references). Variants flagged batch-variant are also
// run, to show the check can fail: at least one of them must differ somewhere.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/registry.h"

namespace lmh::kernels {
namespace {

std::vector<float> values(std::size_t n, std::uint32_t seed) {
    std::vector<float> v(n);
    std::uint32_t x = seed;
    for (float& f : v) {
        x = x * 1664525u + 1013904223u;
        f = static_cast<float>(x >> 8) / static_cast<float>(1u << 24) - 0.5f;
    }
    return v;
}

// Rows of calls over every count of rows 1..m, starting at row 0 and ending at row m - 1 (so
// each row lands in different register tiles and tails, with different neighbours), against
// calls over each row alone.
template <class Call>
bool rows_independent(int m, int out_cols, Call&& call) {
    const std::size_t cols = static_cast<std::size_t>(out_cols);
    std::vector<float> solo(static_cast<std::size_t>(m) * cols), many(static_cast<std::size_t>(m) * cols);
    for (int r = 0; r < m; ++r) call(r, 1, solo.data() + static_cast<std::size_t>(r) * cols);
    for (int count = 2; count <= m; ++count) {
        for (const int r0 : {0, m - count}) {
            call(r0, count, many.data());
            if (std::memcmp(many.data(), solo.data() + static_cast<std::size_t>(r0) * cols, static_cast<std::size_t>(count) * cols * sizeof(float)) != 0)
                return false;
        }
    }
    return true;
}

TEST(BatchInvariance, FlaggedVariantsComputeEachRowAsAlone) {
    // m up to 17 (batched decode is 1..16; 17 leaves a 1-row tail after 4-row tiles); n odd
    // (tiles of 3, 4 and 8 columns end in clamped tails); k = 312 passes the 16- and 32-wide
    // unrolls with a tail, 317 also the 8-wide one.
    for (const int kK : {312, 317}) {
    SCOPED_TRACE(kK);
    constexpr int kM = 17, kN = 67;
    const auto a = values(static_cast<std::size_t>(kM) * kK, 1), b = values(static_cast<std::size_t>(kN) * kK, 2);
    std::vector<std::uint16_t> b16(b.size());
    f32_to_bf16_n(b.data(), b16.data(), b.size());
    const auto w = values(kK, 3);
    int variant_rows = 0, variant_differs = 0;
    for (const VariantInfo& v : list_variants()) {
        if (!v.available) continue;
        const KernelSet ks = make_kernel_set(variant_spec(v));
        bool independent = true;
        bool checked = true;
        switch (v.op) {
            case Op::matmul:
                independent = rows_independent(kM, kN, [&](int r0, int m, float* c) {
                    ks.matmul(a.data() + static_cast<std::size_t>(r0) * kK, b.data(), c, m, kN, kK, 1.0f, 0.0f);
                });
                break;
            case Op::matmul_bf16:
                independent = rows_independent(kM, kN, [&](int r0, int m, float* c) {
                    ks.matmul_bf16(a.data() + static_cast<std::size_t>(r0) * kK, b16.data(), c, m, kN, kK);
                });
                break;
            case Op::rmsnorm:
                independent = rows_independent(kM, kK, [&](int r0, int m, float* y) {
                    ks.rmsnorm(a.data() + static_cast<std::size_t>(r0) * kK, w.data(), y, m, kK, 1e-6f);
                });
                break;
            default: checked = false;  // elementwise, per-row or per-sequence ops: checked by the Batch tests
        }
        if (!checked) continue;
        if (v.batch_invariant) {
            EXPECT_TRUE(independent) << op_name(v.op) << "/" << v.full_name() << " is flagged batch-invariant";
        } else {
            ++variant_rows;
            variant_differs += !independent;
        }
    }
    if (variant_rows > 0) {
        EXPECT_GT(variant_differs, 0) << "no batch-variant matmul differs: the check cannot fail";
    }
    }
}

}  // namespace
}  // namespace lmh::kernels
