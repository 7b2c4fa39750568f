// Registry tables. A new variant is one file plus one line in its op's table here.
#include "kernels/registry.h"

#include <algorithm>
#include <span>

namespace lmh::kernels {
namespace {

template <class Fn>
struct Entry {
    std::string_view name;
    Fn fn;
    CpuNeed need;
    bool deterministic;
    std::string_view summary;
};

// ---- one table per op --------------------------------------------------------------
constexpr Entry<MatmulFn> kMatmul[] = {
    {"naive", matmul_naive, CpuNeed::none, true, "one dot product per output, k in order"},
    {"blocked", matmul_blocked, CpuNeed::none, true, "B packed in 256x8 stack panels, 4x8 register block"},
    {"tbb", matmul_tbb, CpuNeed::none, true, "blocked code on 64x64 output tiles, oneTBB static partition"},
    {"simd", matmul_simd, CpuNeed::avx512, true, "AVX-512 12x32 register block over packed B panels"},
    {"tbb-simd", matmul_tbb_simd, CpuNeed::avx512, true, "AVX-512 micro-kernel on output tiles, oneTBB"},
};
constexpr Entry<RmsNormFn> kRmsNorm[] = {
    {"naive", rmsnorm_naive, CpuNeed::none, true, "sum of squares then scale, per row"},
    {"blocked", rmsnorm_blocked, CpuNeed::none, true, "8 partial sums of squares, vectorizable"},
    {"tbb", rmsnorm_tbb, CpuNeed::none, true, "blocked on row pieces, oneTBB, serial when small"},
    {"simd", rmsnorm_simd, CpuNeed::avx512, true, "AVX-512 sum of squares and scale, masked tail"},
    {"tbb-simd", rmsnorm_tbb_simd, CpuNeed::avx512, true, "AVX-512 rows on oneTBB pieces"},
};
constexpr Entry<RopeFn> kRope[] = {
    {"naive", rope_naive, CpuNeed::none, true, "rotate (i, i+d/2) pairs from cos/sin tables"},
    {"simd", rope_simd, CpuNeed::avx512, true, "AVX-512, 16 pairs per step, cos/sin reused across heads"},
};
constexpr Entry<SoftmaxFn> kSoftmax[] = {
    {"naive", softmax_naive, CpuNeed::none, true, "max, exp, normalise per row"},
    {"tbb", softmax_tbb, CpuNeed::none, true, "naive on row pieces, oneTBB, serial when small"},
    {"simd", softmax_simd, CpuNeed::avx512, true, "AVX-512 max/exp/sum over visible columns"},
    {"tbb-simd", softmax_tbb_simd, CpuNeed::avx512, true, "AVX-512 rows on oneTBB pieces"},
};
constexpr Entry<AttentionFn> kAttention[] = {
    {"naive", attention_naive, CpuNeed::none, true, "full score row, softmax, weighted sum"},
    {"blocked", attention_blocked, CpuNeed::none, true, "visible keys only, 4 keys per step, scratch row"},
    {"tbb", attention_tbb, CpuNeed::none, true, "blocked rows over (row, head) pairs, scratch slot per thread"},
    {"simd", attention_simd, CpuNeed::avx512, true, "AVX-512: 16 keys per step, vector exp"},
    {"tbb-simd", attention_tbb_simd, CpuNeed::avx512, true, "AVX-512 rows over (row, head) pairs, oneTBB"},
};
constexpr Entry<SwigluFn> kSwiglu[] = {
    {"naive", swiglu_naive, CpuNeed::none, true, "silu(gate)*up with std::exp"},
    {"tbb", swiglu_tbb, CpuNeed::none, true, "naive on pieces of 256, oneTBB, serial when small"},
    {"simd", swiglu_simd, CpuNeed::avx512, true, "AVX-512 vector exp and division"},
    {"tbb-simd", swiglu_tbb_simd, CpuNeed::avx512, true, "AVX-512 on oneTBB pieces"},
};
constexpr Entry<GatherFn> kGather[] = {
    {"naive", gather_naive, CpuNeed::none, true, "memcpy one row per id"},
};
constexpr Entry<AddFn> kAdd[] = {
    {"naive", add_naive, CpuNeed::none, true, "x += y"},
    {"simd", add_simd, CpuNeed::avx512, true, "AVX-512, masked tail"},
};
constexpr Entry<MatmulBf16Fn> kMatmulBf16[] = {
    {"naive", matmul_bf16_naive, CpuNeed::none, true, "one dot product per output, bf16 widened as read"},
    {"simd", matmul_bf16_simd, CpuNeed::avx512, true, "AVX-512: m<=8 streams B, 8 rows in flight; else widened f32 panels, 12x32 block"},
    {"tbb-simd", matmul_bf16_tbb_simd, CpuNeed::avx512, true, "AVX-512 bf16 kernels on output tiles, oneTBB"},
};
// -------------------------------------------------------------------------------------

// The spec item that selects bf16 weights with default variants (registry.h).
constexpr std::string_view kBf16SetName = "bf16";

// Fallback chain per requested name: the first step available for the op is used.
std::vector<std::string_view> fallback_chain(std::string_view name) {
    if (name == "tbb-simd") return {"tbb-simd", "tbb", "simd", "blocked", "naive"};
    if (name == "simd") return {"simd", "blocked", "naive"};
    if (name == "tbb") return {"tbb", "blocked", "naive"};
    if (name == "blocked") return {"blocked", "naive"};
    return {name, "naive"};
}

template <class Fn>
void collect(Op op, std::span<const Entry<Fn>> table, std::vector<VariantInfo>& out) {
    for (const auto& e : table) out.push_back({op, e.name, e.summary, cpu_supports(e.need), e.deterministic});
}

template <class Fn>
void choose(std::span<const Entry<Fn>> table, std::string_view requested, Fn& fn, std::string& chosen) {
    for (std::string_view step : fallback_chain(requested)) {
        for (const auto& e : table) {
            if (e.name == step && cpu_supports(e.need)) {
                fn = e.fn;
                chosen = std::string(e.name);
                return;
            }
        }
    }
    fn = table[0].fn;  // naive is always first and always available
    chosen = std::string(table[0].name);
}

struct AllTables {
    std::span<const Entry<MatmulFn>> matmul{kMatmul};
    std::span<const Entry<RmsNormFn>> rmsnorm{kRmsNorm};
    std::span<const Entry<RopeFn>> rope{kRope};
    std::span<const Entry<SoftmaxFn>> softmax{kSoftmax};
    std::span<const Entry<AttentionFn>> attention{kAttention};
    std::span<const Entry<SwigluFn>> swiglu{kSwiglu};
    std::span<const Entry<GatherFn>> gather{kGather};
    std::span<const Entry<AddFn>> add{kAdd};
    std::span<const Entry<MatmulBf16Fn>> matmul_bf16{kMatmulBf16};
};

template <class F>
void for_each_table(F&& f) {
    const AllTables t;
    f(Op::matmul, t.matmul);
    f(Op::rmsnorm, t.rmsnorm);
    f(Op::rope, t.rope);
    f(Op::softmax, t.softmax);
    f(Op::attention, t.attention);
    f(Op::swiglu, t.swiglu);
    f(Op::gather, t.gather);
    f(Op::add, t.add);
    f(Op::matmul_bf16, t.matmul_bf16);
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}

}  // namespace

std::string_view op_name(Op op) {
    static constexpr std::string_view names[kOpCount] = {"matmul",    "rmsnorm", "rope",   "softmax",    "attention",
                                                         "swiglu",    "gather",  "add",    "matmul_bf16"};
    return names[static_cast<int>(op)];
}

bool cpu_supports(CpuNeed need) {
    switch (need) {
        case CpuNeed::none: return true;
        case CpuNeed::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("fma");
    }
    return false;
}

std::string KernelSet::describe() const {
    std::string s;
    for (int i = 0; i < kOpCount; ++i) {
        if (i) s += ',';
        s += std::string(op_name(static_cast<Op>(i))) + "=" + names[i];
    }
    if (weights == WeightFormat::bf16) s += ",weights=bf16";
    return s;
}

std::vector<VariantInfo> list_variants() {
    std::vector<VariantInfo> out;
    for_each_table([&](Op op, auto table) { collect(op, table, out); });
    return out;
}

std::vector<std::string> variant_names() {
    std::vector<std::string> names;
    for (const auto& v : list_variants())
        if (std::find(names.begin(), names.end(), v.name) == names.end()) names.emplace_back(v.name);
    return names;
}

std::vector<std::string> kernel_set_names() {
    auto names = variant_names();
    names.emplace_back("bf16");
    return names;
}

std::string_view default_kernel_variant() {
    const auto names = variant_names();
    for (std::string_view pref : {"tbb-simd", "tbb", "blocked"}) {
        if (std::find(names.begin(), names.end(), pref) == names.end()) continue;
        if (pref == "tbb-simd" && !cpu_supports(CpuNeed::avx512)) continue;
        return pref;
    }
    return "naive";
}

KernelSet make_kernel_set(std::string_view spec) {
    const auto all_names = variant_names();
    std::array<std::string, kOpCount> requested;
    requested.fill(std::string(default_kernel_variant()));
    WeightFormat weights = WeightFormat::f32;

    // A whole-spec item may also be the set name "bf16"; a per-op variant may not.
    auto check_variant = [&](std::string_view v, bool whole_spec) {
        if (std::find(all_names.begin(), all_names.end(), v) == all_names.end())
            throw KernelSpecError("unknown kernel variant '" + std::string(v) + "' (valid: " + join(all_names) +
                                  (whole_spec ? "; or " + std::string(kBf16SetName) + " for bf16 weights)" : ")"));
    };
    std::size_t start = 0;
    while (start <= spec.size()) {
        std::size_t end = spec.find(',', start);
        if (end == std::string_view::npos) end = spec.size();
        std::string_view item = spec.substr(start, end - start);
        start = end + 1;
        if (item.empty()) {
            if (spec.empty()) break;
            throw KernelSpecError("empty item in kernel spec '" + std::string(spec) + "'");
        }
        if (item == kBf16SetName) {
            weights = WeightFormat::bf16;
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            check_variant(item, true);
            requested.fill(std::string(item));
            continue;
        }
        std::string_view op = item.substr(0, eq), variant = item.substr(eq + 1);
        if (op == "weights") {
            if (variant == "f32") weights = WeightFormat::f32;
            else if (variant == "bf16") weights = WeightFormat::bf16;
            else throw KernelSpecError("unknown weights format '" + std::string(variant) + "' (valid: f32, bf16)");
            continue;
        }
        int index = -1;
        for (int i = 0; i < kOpCount; ++i)
            if (op_name(static_cast<Op>(i)) == op) index = i;
        if (index < 0) {
            std::vector<std::string> ops;
            for (int i = 0; i < kOpCount; ++i) ops.emplace_back(op_name(static_cast<Op>(i)));
            ops.emplace_back("weights");
            throw KernelSpecError("unknown op '" + std::string(op) + "' in kernel spec (valid: " + join(ops) + ")");
        }
        check_variant(variant, false);
        requested[index] = std::string(variant);
    }

    KernelSet ks;
    const AllTables t;
    choose(t.matmul, requested[0], ks.matmul, ks.names[0]);
    choose(t.rmsnorm, requested[1], ks.rmsnorm, ks.names[1]);
    choose(t.rope, requested[2], ks.rope, ks.names[2]);
    choose(t.softmax, requested[3], ks.softmax, ks.names[3]);
    choose(t.attention, requested[4], ks.attention, ks.names[4]);
    choose(t.swiglu, requested[5], ks.swiglu, ks.names[5]);
    choose(t.gather, requested[6], ks.gather, ks.names[6]);
    choose(t.add, requested[7], ks.add, ks.names[7]);
    choose(t.matmul_bf16, requested[8], ks.matmul_bf16, ks.names[8]);
    ks.weights = weights;
    return ks;
}

}  // namespace lmh::kernels
