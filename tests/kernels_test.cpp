// Every registered kernel variant of every op, run on every case of the kernel case table
// (kernels/cases/kernel_case.h, eval_cases) and checked against its float64 reference
// (kernels/cases/reference.h, the independent source of expected values) by one check:
// NMSE within the case's budget (relative L2 error 1e-5; exact for gather) through
// util/metrics.h, no NaN or inf anywhere. Output buffers are poisoned with NaN before each
// call (an unwritten element fails) and wrapped in sentinel guards (a write past either end
// fails). oneTBB variants must also give bitwise identical outputs for 1 and 2 threads and
// across repeated runs (determinism_cases). Variants this CPU cannot run are reported as skipped.
#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cases/kernel_case.h"
#include "kernels/registry.h"

namespace lmh::kernels {
namespace {

// ---- variant lookup ------------------------------------------------------------------

struct VariantParam {
    Op op;
    std::string name;   // full name: what the set records
    std::string label;  // unique per row (matmul_bf16's acts=bf16 rows: "naive+acts=bf16")
    DataFormat acts;
    bool available;
    bool parallel;  // from the registry table, not guessed from the name
};

std::vector<VariantParam> all_variants() {
    __builtin_cpu_init();  // list_variants() checks the CPU; this may run before libgcc's constructor
    std::vector<VariantParam> out;
    for (const auto& v : list_variants()) out.push_back({v.op, v.full_name(), v.label(), v.activations, v.available, v.parallel});
    return out;
}

std::string param_name(const ::testing::TestParamInfo<VariantParam>& info) {
    std::string s = std::string(op_name(info.param.op)) + "_" + info.param.label;
    for (char& ch : s)  // gtest names take [A-Za-z0-9_] only
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
}

// The KernelSet whose op `op` is exactly the row `name` of activation format `acts` (the
// registry is asked for that one op; a quantized or acts=bf16 matmul's row is taken only by a
// set of its weights and acts).
KernelSet set_with(Op op, const std::string& name, DataFormat acts) {
    KernelSet ks = make_kernel_set(variant_spec(variant_info(op, name, acts)));
    EXPECT_EQ(ks.name(op), name) << "registry fell back for an available variant";
    EXPECT_EQ(variant_of(ks, op).activations, acts);
    return ks;
}

// Runs every case of the list for op `op` with `ks`; check == false: guards only, the
// outputs are compared by the determinism test.
std::vector<float> run_all(Op op, const KernelSet& ks, bool check, bool large_only) {
    std::vector<float> all;
    for (const auto& c : large_only ? cases::determinism_cases(op) : cases::eval_cases(op)) {
        c->prepare();
        c->reset();
        c->run(ks);
        if (check)
            EXPECT_EQ(cases::check(*c), "");
        else
            EXPECT_EQ(c->extra_errors(), "") << c->label();
        all.insert(all.end(), c->result().body().begin(), c->result().body().end());
    }
    return all;
}

// ---- the tests -----------------------------------------------------------------------

class KernelVariant : public ::testing::TestWithParam<VariantParam> {};

TEST_P(KernelVariant, MatchesFloat64Reference) {
    const auto& p = GetParam();
    if (!p.available) GTEST_SKIP() << "this CPU lacks the instructions " << p.name << " needs";
    run_all(p.op, set_with(p.op, p.name, p.acts), /*check=*/true, /*large_only=*/false);
}

TEST_P(KernelVariant, BitwiseIdenticalForOneAndTwoThreads) {
    const auto& p = GetParam();
    if (!p.available) GTEST_SKIP() << "this CPU lacks the instructions " << p.name << " needs";
    if (!p.parallel) GTEST_SKIP() << "single-threaded variant";
    const KernelSet ks = set_with(p.op, p.name, p.acts);
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

// The split form (quantize once, multiply pieces) comes with the AVX2 acts=q8 rows and with
// no other row: an acts=f32 quantized set must not quantize its activations.
TEST(KernelRegistry, SplitFormOnlyWithAcceleratedActsQ8) {
    for (const char* spec : {"weights=q8_0,acts=f32", "weights=q4_0,acts=f32", "tbb", "bf16"}) {
        const auto ks = make_kernel_set(spec);
        EXPECT_EQ(ks.quantize_acts, nullptr) << spec;
        EXPECT_EQ(ks.matmul_q8_0_on_q8, nullptr) << spec;
        EXPECT_EQ(ks.matmul_q4_0_on_q8, nullptr) << spec;
    }
    if (!cpu_supports(CpuNeed::avx2)) GTEST_SKIP() << "no AVX2 + FMA + F16C: no acts=q8 row here";
    for (const char* spec : {"q8_0", "simd,weights=q8_0"}) {
        const auto ks = make_kernel_set(spec);
        EXPECT_EQ(ks.acts, DataFormat::q8) << spec;
        EXPECT_NE(ks.quantize_acts, nullptr) << spec;
        EXPECT_NE(ks.matmul_q8_0_on_q8, nullptr) << spec;
    }
    EXPECT_NE(make_kernel_set("q4_0").matmul_q4_0_on_q8, nullptr);
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
                return v.op == op && v.full_name() == ks.name(op) && v.available;
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

// A name with an AVX-512 and an AVX2 row: the widest the CPU runs, recorded with its ISA; a
// "@avx2" suffix caps an op or a whole spec; the full name is a spec that reproduces the set.
TEST(KernelRegistry, IsaRowsShareANameAndTheSetRecordsWhichRan) {
    const KernelSet capped = make_kernel_set("matmul=simd@avx2,matmul_bf16=tbb-simd@avx2");
    const KernelSet whole = make_kernel_set("tbb-simd@avx2");
    if (cpu_supports(CpuNeed::avx2)) {
        EXPECT_EQ(capped.name(Op::matmul), "simd@avx2");
        EXPECT_EQ(capped.matmul, &matmul_simd_avx2);
        EXPECT_EQ(capped.matmul_bf16, &matmul_bf16_tbb_simd_avx2);
        EXPECT_EQ(whole.name(Op::matmul), "tbb-simd@avx2");
        EXPECT_EQ(whole.name(Op::rmsnorm), "tbb");  // no AVX2 row: falls back, never to AVX-512
        EXPECT_NE(capped.describe().find("matmul=simd@avx2"), std::string::npos) << capped.describe();
    }
    const KernelSet best = make_kernel_set("simd");
    if (cpu_supports(CpuNeed::avx512)) {
        EXPECT_EQ(best.name(Op::matmul), "simd@avx512");
    } else if (cpu_supports(CpuNeed::avx2)) {
        EXPECT_EQ(best.name(Op::matmul), "simd@avx2");
    }
    EXPECT_EQ(variant_info(Op::matmul, best.name(Op::matmul)).full_name(), best.name(Op::matmul));
    EXPECT_EQ(make_kernel_set(best.describe()).describe(), best.describe());
    EXPECT_EQ(make_kernel_set("rmsnorm=naive").name(Op::rmsnorm), "naive");  // single rows: no suffix
    EXPECT_THROW(make_kernel_set("matmul=simd@sse2"), KernelSpecError);
    EXPECT_THROW(make_kernel_set("matmul=fast@avx2"), KernelSpecError);
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
