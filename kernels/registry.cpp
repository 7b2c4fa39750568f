// Registry tables. A new variant is one file plus one row in its op's table here; a new op
// is one line in LMH_KERNEL_OPS (registry.h) plus one table here named table_<op>.
#include "kernels/registry.h"

#include <cpuid.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <span>

#include "util/error.h"

namespace lmh::kernels {
namespace {

// Row flags, named so a table row reads as a sentence.
constexpr bool kSerial = false, kParallel = true;
constexpr bool kDeterministic = true;
// Batch-invariant: each output row is computed by the same instructions whatever m is and
// whatever the other rows hold (per-row loops, elementwise code). Not so for the matmuls
// with an m == 1 GEMV path (8 partial sums instead of one chain over k), the bf16 kernels'
// m <= 8 path, or the AVX-512 attention's 16-row online-softmax tiles (seq >= 4).
constexpr bool kBatchInvariant = true, kBatchVariant = false;
constexpr CpuNeed kAnyCpu = CpuNeed::none, kAvx2 = CpuNeed::avx2, kAvx512 = CpuNeed::avx512,
                  kAvx512Vnni = CpuNeed::avx512_vnni, kAvx512Bf16 = CpuNeed::avx512_bf16;
constexpr DataFormat kNone = DataFormat::none, kF32 = DataFormat::f32, kBf16 = DataFormat::bf16,
                     kQ8_0 = DataFormat::q8_0, kQ4_0 = DataFormat::q4_0, kQ8 = DataFormat::q8;

template <class Fn>
struct Entry {
    std::string_view name;
    Fn fn;
    CpuNeed need;
    bool parallel;
    bool deterministic;
    bool batch_invariant;
    DataFormat weights;
    DataFormat activations;
    std::string_view summary;
};

// ---- one table per op ----------------------------------------------------------------
// name, function, CPU, threads, deterministic, batch-invariant, weights, activations, summary
constexpr Entry<MatmulFn> table_matmul[] = {
    {"naive", matmul_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "one dot product per output, k in order"},
    {"blocked", matmul_blocked, kAnyCpu, kSerial, kDeterministic, kBatchVariant, kF32, kF32,
     "B packed in 256x8 stack panels, 4x8 register block"},
    {"tbb", matmul_tbb, kAnyCpu, kParallel, kDeterministic, kBatchVariant, kF32, kF32,
     "blocked code on 64x64 output tiles, oneTBB static partition"},
    {"simd", matmul_simd, kAvx512, kSerial, kDeterministic, kBatchVariant, kF32, kF32,
     "AVX-512 12x32 register block over packed B panels"},
    {"tbb-simd", matmul_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchVariant, kF32, kF32,
     "AVX-512 micro-kernel on output tiles, oneTBB"},
    {"simd", matmul_simd_avx2, kAvx2, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "AVX2: dot products 8 lanes along k, 4x3 (A x B rows) register tile, every m"},
    {"tbb-simd", matmul_tbb_simd_avx2, kAvx2, kParallel, kDeterministic, kBatchInvariant, kF32, kF32,
     "AVX2 dot-product tiles on pieces of the outputs, oneTBB"},
};
constexpr Entry<RmsNormFn> table_rmsnorm[] = {
    {"naive", rmsnorm_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "sum of squares then scale, per row"},
    {"blocked", rmsnorm_blocked, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "8 partial sums of squares, vectorizable"},
    {"tbb", rmsnorm_tbb, kAnyCpu, kParallel, kDeterministic, kBatchInvariant, kF32, kF32,
     "blocked on row pieces, oneTBB, serial when small"},
    {"simd", rmsnorm_simd, kAvx512, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "AVX-512 sum of squares and scale, masked tail"},
    {"tbb-simd", rmsnorm_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchInvariant, kF32, kF32,
     "AVX-512 rows on oneTBB pieces"},
};
constexpr Entry<RopeFn> table_rope[] = {
    {"naive", rope_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "rotate (i, i+d/2) pairs from cos/sin tables"},
    {"simd", rope_simd, kAvx512, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "AVX-512, 16 pairs per step, cos/sin reused across heads"},
};
constexpr Entry<SoftmaxFn> table_softmax[] = {
    {"naive", softmax_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "max, exp, normalise per row"},
    {"tbb", softmax_tbb, kAnyCpu, kParallel, kDeterministic, kBatchInvariant, kNone, kF32,
     "naive on row pieces, oneTBB, serial when small"},
    {"simd", softmax_simd, kAvx512, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "AVX-512 max/exp/sum over visible columns"},
    {"tbb-simd", softmax_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchInvariant, kNone, kF32,
     "AVX-512 rows on oneTBB pieces"},
};
constexpr Entry<AttentionFn> table_attention[] = {
    {"naive", attention_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "full score row, softmax, weighted sum"},
    {"blocked", attention_blocked, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "visible keys only, 4 keys per step, scratch row"},
    {"tbb", attention_tbb, kAnyCpu, kParallel, kDeterministic, kBatchInvariant, kNone, kF32,
     "blocked rows over (row, head) pairs, scratch slot per thread"},
    {"simd", attention_simd, kAvx512, kSerial, kDeterministic, kBatchVariant, kNone, kF32,
     "AVX-512: 16 keys per step, vector exp"},
    {"tbb-simd", attention_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchVariant, kNone, kF32,
     "AVX-512 rows over (row, head) pairs, oneTBB"},
};
constexpr Entry<SwigluFn> table_swiglu[] = {
    {"naive", swiglu_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "silu(gate)*up with std::exp"},
    {"tbb", swiglu_tbb, kAnyCpu, kParallel, kDeterministic, kBatchInvariant, kNone, kF32,
     "naive on pieces of 256, oneTBB, serial when small"},
    {"simd", swiglu_simd, kAvx512, kSerial, kDeterministic, kBatchInvariant, kNone, kF32,
     "AVX-512 vector exp and division"},
    {"tbb-simd", swiglu_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchInvariant, kNone, kF32,
     "AVX-512 on oneTBB pieces"},
};
constexpr Entry<GatherFn> table_gather[] = {
    {"naive", gather_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kF32, kF32,
     "memcpy one row per id"},
};
constexpr Entry<AddFn> table_add[] = {
    {"naive", add_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kNone, kF32, "x += y"},
    {"simd", add_simd, kAvx512, kSerial, kDeterministic, kBatchInvariant, kNone, kF32, "AVX-512, masked tail"},
};
constexpr Entry<MatmulBf16Fn> table_matmul_bf16[] = {
    {"naive", matmul_bf16_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kBf16, kF32,
     "one dot product per output, bf16 widened as read"},
    {"tbb", matmul_bf16_tbb, kAnyCpu, kParallel, kDeterministic, kBatchInvariant, kBf16, kF32,
     "naive on pieces of the outputs, oneTBB"},
    {"simd", matmul_bf16_simd, kAvx512, kSerial, kDeterministic, kBatchVariant, kBf16, kF32,
     "AVX-512: m<=8 streams B, 8 rows in flight; else widened f32 panels, 12x32 block"},
    {"tbb-simd", matmul_bf16_tbb_simd, kAvx512, kParallel, kDeterministic, kBatchVariant, kBf16, kF32,
     "AVX-512 bf16 kernels on output tiles, oneTBB"},
    {"simd", matmul_bf16_simd_avx2, kAvx2, kSerial, kDeterministic, kBatchInvariant, kBf16, kF32,
     "AVX2: matmul simd@avx2's kernel, bf16 widened as loaded"},
    {"tbb-simd", matmul_bf16_tbb_simd_avx2, kAvx2, kParallel, kDeterministic, kBatchInvariant, kBf16, kF32,
     "AVX2 bf16 dot-product tiles on pieces of the outputs, oneTBB"},
    // acts=bf16 (matmul_bf16.h): taken only by a set with acts=bf16, as the rows above only by
    // one without.
    {"naive", matmul_bf16xbf16_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kBf16, kBf16,
     "acts=bf16: A rounded to bf16 as read, one dot product per output"},
    {"simd", matmul_bf16xbf16_simd_avx512bf16, kAvx512Bf16, kSerial, kDeterministic, kBatchVariant, kBf16, kBf16,
     "acts=bf16, AVX512-BF16: prefill packs 16 weight rows for vdpbf16ps, 8 rows of A per tile; decode (m < 4) simd@avx2's"},
    {"tbb-simd", matmul_bf16xbf16_tbb_simd_avx512bf16, kAvx512Bf16, kParallel, kDeterministic, kBatchVariant, kBf16, kBf16,
     "acts=bf16, AVX512-BF16 prefill on pieces of 16-column groups, oneTBB; decode (m < 4) tbb-simd@avx2's"},
    {"simd", matmul_bf16xbf16_simd_avx2, kAvx2, kSerial, kDeterministic, kBatchInvariant, kBf16, kBf16,
     "acts=bf16, AVX2: A rounded to bf16 once, then simd@avx2's kernel (both widened)"},
    {"tbb-simd", matmul_bf16xbf16_tbb_simd_avx2, kAvx2, kParallel, kDeterministic, kBatchInvariant, kBf16, kBf16,
     "acts=bf16, AVX2: A rounded once, then tbb-simd@avx2's pieces of the outputs"},
};
// The quantized matmuls: naive has acts=f32, the AVX2 rows acts=q8 (matmul_quant.h); a set takes
// only rows of its acts (make_kernel_set), so "acts=f32,tbb-simd" falls back to naive.
constexpr Entry<MatmulQ8_0Fn> table_matmul_q8_0[] = {
    {"naive", matmul_q8_0_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kQ8_0, kF32,
     "one dot product per output, weights dequantized as read"},
    {"simd", matmul_q8_0_simd_vnni, kAvx512Vnni, kSerial, kDeterministic, kBatchInvariant, kQ8_0, kQ8,
     "AVX-512 VNNI: prefill packs 16 weight rows for vpdpbusd, 16 outputs per block; decode 4 rows per 256-bit tile"},
    {"tbb-simd", matmul_q8_0_tbb_simd_vnni, kAvx512Vnni, kParallel, kDeterministic, kBatchInvariant, kQ8_0, kQ8,
     "AVX-512 VNNI on pieces of 16-column groups, oneTBB"},
    {"simd", matmul_q8_0_simd, kAvx2, kSerial, kDeterministic, kBatchInvariant, kQ8_0, kQ8,
     "AVX2: A to q8_0 once, int8 block dots (maddubs/madd), 4 outputs per step"},
    {"tbb-simd", matmul_q8_0_tbb_simd, kAvx2, kParallel, kDeterministic, kBatchInvariant, kQ8_0, kQ8,
     "AVX2 block dots on pieces of 16-column groups, oneTBB"},
};
constexpr Entry<MatmulQ4_0Fn> table_matmul_q4_0[] = {
    {"naive", matmul_q4_0_naive, kAnyCpu, kSerial, kDeterministic, kBatchInvariant, kQ4_0, kF32,
     "one dot product per output, weights dequantized as read"},
    {"simd", matmul_q4_0_simd_vnni, kAvx512Vnni, kSerial, kDeterministic, kBatchInvariant, kQ4_0, kQ8,
     "AVX-512 VNNI: prefill packs 16 weight rows' nibbles for vpdpbusd; decode 4 rows per 256-bit tile"},
    {"tbb-simd", matmul_q4_0_tbb_simd_vnni, kAvx512Vnni, kParallel, kDeterministic, kBatchInvariant, kQ4_0, kQ8,
     "AVX-512 VNNI on pieces of 16-column groups, oneTBB"},
    {"simd", matmul_q4_0_simd, kAvx2, kSerial, kDeterministic, kBatchInvariant, kQ4_0, kQ8,
     "AVX2: A to q8_0 once, nibbles to int8, block dots (maddubs/madd), 4 outputs per step"},
    {"tbb-simd", matmul_q4_0_tbb_simd, kAvx2, kParallel, kDeterministic, kBatchInvariant, kQ4_0, kQ8,
     "AVX2 block dots on pieces of 16-column groups, oneTBB"},
};

// The acts=q8 rows with a split form (quantize once, then pieces on the caller's threads):
// KernelSet::matmul_q*_0_on_q8. The same per-output code as the row's, so bitwise its results.
template <class Whole, class OnQ8>
struct Split {
    Whole whole;
    OnQ8 on_q8;
};
// The VNNI rows' split forms are theirs (decode tiles, or the pack for 4+ rows).
constexpr Split<MatmulQ8_0Fn, MatmulQ8_0OnQ8Fn> kQ8_0Splits[] = {
    {matmul_q8_0_simd, matmul_q8_0_simd_on_q8},
    {matmul_q8_0_tbb_simd, matmul_q8_0_simd_on_q8},
    {matmul_q8_0_simd_vnni, matmul_q8_0_simd_vnni_on_q8},
    {matmul_q8_0_tbb_simd_vnni, matmul_q8_0_simd_vnni_on_q8},
};
constexpr Split<MatmulQ4_0Fn, MatmulQ4_0OnQ8Fn> kQ4_0Splits[] = {
    {matmul_q4_0_simd, matmul_q4_0_simd_on_q8},
    {matmul_q4_0_tbb_simd, matmul_q4_0_simd_on_q8},
    {matmul_q4_0_simd_vnni, matmul_q4_0_simd_vnni_on_q8},
    {matmul_q4_0_tbb_simd_vnni, matmul_q4_0_simd_vnni_on_q8},
};
// --------------------------------------------------------------------------------------

// An index, not a pointer: GCC 12's UBSan instruments pointer comparisons, which makes a
// constexpr null check of &kVariantKinds[i] non-constant in the sanitizer builds.
constexpr int find_kind(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kVariantKinds); ++i)
        if (kVariantKinds[i].name == name) return static_cast<int>(i);
    return -1;
}

// Every row is a known kind and claims no more than its kind may use (so the fallback
// chains, which are derived from the kinds, never step to something unrequested), every
// table starts with an always-available serial row (the last resort of choose()), and rows
// sharing a name and an activation format are for different ISAs, the widest first (choose()
// takes the first one the CPU runs: AVX-512 before AVX2).
template <class Fn, std::size_t N>
constexpr bool table_is_consistent(const Entry<Fn> (&table)[N]) {
    if (table[0].need != CpuNeed::none || table[0].parallel) return false;
    for (std::size_t i = 0; i < N; ++i) {
        const Entry<Fn>& e = table[i];
        const int k = find_kind(e.name);
        if (k < 0) return false;
        const VariantKind& kind = kVariantKinds[static_cast<std::size_t>(k)];
        if (e.parallel != kind.parallel || (e.need != CpuNeed::none) != kind.simd) return false;
        for (std::size_t j = i + 1; j < N; ++j)
            if (table[j].name == e.name && table[j].activations == e.activations && !(table[j].need < e.need)) return false;
    }
    return true;
}
#define LMH_CHECK_TABLE(name, Fn) \
    static_assert(table_is_consistent(table_##name), "table_" #name ": a row does not match its VariantKind");
LMH_KERNEL_OPS(LMH_CHECK_TABLE)
#undef LMH_CHECK_TABLE

// The spec items that select bf16 or quantized weights with default variants (registry.h).
constexpr std::string_view kBf16SetName = "bf16", kQ8_0SetName = "q8_0", kQ4_0SetName = "q4_0",
                           kBf16xBf16SetName = "bf16xbf16";

// The op a quantized weight format multiplies with.
constexpr bool is_quant_op(Op op) { return op == Op::matmul_q8_0 || op == Op::matmul_q4_0; }

// The activation format an op's row must have in a set whose acts is set_acts (none: any).
// Each matmul takes the rows of its own strategy when the set has it, else its acts=f32 rows:
// the quantized ops their acts=q8 rows only for acts=q8, and matmul_bf16 (bf16 weights, and
// quantized sets' fallback matrices, which widen) its acts=bf16 rows only for acts=bf16.
constexpr DataFormat row_acts(Op op, DataFormat set_acts) {
    if (is_quant_op(op)) return set_acts == DataFormat::q8 ? DataFormat::q8 : DataFormat::f32;
    if (op == Op::matmul_bf16) return set_acts == DataFormat::bf16 ? DataFormat::bf16 : DataFormat::f32;
    return DataFormat::none;
}

// Fallback chain of a requested kind: it and the kinds after it in kVariantKinds that use
// nothing the request did not (threads only for a parallel kind, intrinsics only for a SIMD one).
std::vector<std::string_view> fallback_chain(std::string_view requested) {
    const int index = find_kind(requested);
    if (index < 0) return {requested, "naive"};
    const VariantKind* want = &kVariantKinds[static_cast<std::size_t>(index)];
    std::vector<std::string_view> chain;
    for (const VariantKind* k = want; k != std::end(kVariantKinds); ++k)
        if ((!k->parallel || want->parallel) && (!k->simd || want->simd))
            chain.push_back(k->name);
    return chain;
}

// "@avx2" / "@avx512" when another row of e's table has e's name for another ISA, else "":
// the suffix that makes a row's full name (VariantInfo::full_name) name it alone among the
// rows of its activation format.
template <class Fn>
std::string_view isa_suffix(std::span<const Entry<Fn>> table, const Entry<Fn>& e) {
    for (const auto& other : table)
        if (&other != &e && other.name == e.name && other.need != e.need) return e.need == CpuNeed::avx2 ? "@avx2" : "@avx512";
    return "";
}

// "+acts=bf16" when an earlier row of e's table has e's full name (so another activation
// format), else "": VariantInfo::label.
template <class Fn>
std::string acts_suffix(std::span<const Entry<Fn>> table, const Entry<Fn>& e) {
    for (const auto& other : table) {
        if (&other == &e) break;
        if (other.name == e.name && isa_suffix(table, other) == isa_suffix(table, e))
            return "+acts=" + std::string(data_format_name(e.activations));
    }
    return "";
}

template <class Fn>
VariantInfo info_of(Op op, std::span<const Entry<Fn>> table, const Entry<Fn>& e) {
    return {op,         e.name,          e.summary,         e.need,    cpu_supports(e.need),
            e.parallel, e.deterministic, e.batch_invariant, e.weights, e.activations, isa_suffix(table, e),
            acts_suffix(table, e)};
}

// isa_cap: no row needing more than this (a spec's "@avx2"); acts: the activation format a
// row must have (none: any; the quantized ops are given the set's).
template <class Fn>
void choose(std::span<const Entry<Fn>> table, std::string_view requested, CpuNeed isa_cap, DataFormat acts, Fn& fn,
            std::string& chosen) {
    for (std::string_view step : fallback_chain(requested)) {
        for (const auto& e : table) {
            if (e.name == step && e.need <= isa_cap && cpu_supports(e.need) &&
                (acts == DataFormat::none || e.activations == acts)) {
                fn = e.fn;
                chosen = std::string(e.name) + std::string(isa_suffix(table, e));
                return;
            }
        }
    }
    fn = table[0].fn;  // the first row is serial and runs on any CPU (checked above)
    chosen = std::string(table[0].name);
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
}


// F16C (vcvtph2ps, the fp16 block scales) from CPUID leaf 1 directly: clang's
// __builtin_cpu_supports has no "f16c" (the sanitizer builds use clang).
bool cpu_has_f16c() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
}

}  // namespace

bool cpu_supports(CpuNeed need) {
    switch (need) {
        case CpuNeed::none: return true;
        case CpuNeed::avx2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
        case CpuNeed::avx512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("fma");
        // The VNNI and BF16 rows also use AVX2 + F16C code (the activation quantizer, decode).
        case CpuNeed::avx512_vnni:
            return cpu_supports(CpuNeed::avx512) && cpu_supports(CpuNeed::avx2) && __builtin_cpu_supports("avx512vnni");
        case CpuNeed::avx512_bf16:
            return cpu_supports(CpuNeed::avx512) && cpu_supports(CpuNeed::avx2) && __builtin_cpu_supports("avx512bf16");
    }
    return false;
}

std::string_view cpu_need_name(CpuNeed need) {
    switch (need) {
        case CpuNeed::avx2: return "avx2";
        case CpuNeed::avx512: return "avx512";
        case CpuNeed::avx512_vnni: return "avx512_vnni";
        case CpuNeed::avx512_bf16: return "avx512_bf16";
        case CpuNeed::none: break;
    }
    return "-";
}

std::string_view weight_format_name(WeightFormat f) {
    switch (f) {
        case WeightFormat::bf16: return "bf16";
        case WeightFormat::q8_0: return "q8_0";
        case WeightFormat::q4_0: return "q4_0";
        case WeightFormat::f32: break;
    }
    return "f32";
}

std::string_view data_format_name(DataFormat f) {
    switch (f) {
        case DataFormat::f32: return "f32";
        case DataFormat::bf16: return "bf16";
        case DataFormat::q8_0: return "q8_0";
        case DataFormat::q4_0: return "q4_0";
        case DataFormat::q8: return "q8";
        case DataFormat::none: break;
    }
    return "-";
}

std::string KernelSet::describe() const {
    std::string s;
    for (Op op : kAllOps) {
        if ((op == Op::matmul_q8_0 && weights != WeightFormat::q8_0) || (op == Op::matmul_q4_0 && weights != WeightFormat::q4_0))
            continue;
        if (!s.empty()) s += ',';
        s.append(op_name(op)).append("=").append(name(op));
    }
    if (weights != WeightFormat::f32) s.append(",weights=").append(weight_format_name(weights));
    if (is_quantized(weights) || acts == DataFormat::bf16) s.append(",acts=").append(data_format_name(acts));
    return s;
}

std::vector<VariantInfo> list_variants() {
    std::vector<VariantInfo> out;
#define LMH_COLLECT(name, Fn) \
    for (const auto& e : table_##name) out.push_back(info_of(Op::name, std::span<const Entry<Fn>>(table_##name), e));
    LMH_KERNEL_OPS(LMH_COLLECT)
#undef LMH_COLLECT
    return out;
}

VariantInfo variant_info(Op op, std::string_view name, DataFormat acts) {
    const auto all = list_variants();
    auto fits = [&](const VariantInfo& v) { return v.op == op && (acts == DataFormat::none || v.activations == acts); };
    for (const auto& v : all)
        if (fits(v) && v.full_name() == name) return v;
    // A bare name shared by several rows: the one make_kernel_set would take (the widest ISA
    // this CPU runs), else the first.
    const VariantInfo* first = nullptr;
    for (const auto& v : all) {
        if (!fits(v) || v.name != name) continue;
        if (v.available) return v;
        if (!first) first = &v;
    }
    if (first) return *first;
    throw KernelSpecError(std::string(op_name(op)) + " has no variant '" + std::string(name) + "'" +
                          (acts == DataFormat::none ? "" : " with acts=" + std::string(data_format_name(acts))));
}

VariantInfo variant_of(const KernelSet& ks, Op op) { return variant_info(op, ks.name(op), row_acts(op, ks.acts)); }

std::string variant_spec(const VariantInfo& v) {
    std::string spec = std::string(op_name(v.op)) + "=" + v.full_name();
    if (v.weights == DataFormat::q8_0 || v.weights == DataFormat::q4_0 || v.activations == DataFormat::bf16)
        spec.append(",weights=").append(data_format_name(v.weights)).append(",acts=").append(data_format_name(v.activations));
    return spec;
}

std::vector<std::string> variant_names() {
    std::vector<std::string> names;
    for (const auto& v : list_variants())
        if (std::find(names.begin(), names.end(), v.name) == names.end()) names.emplace_back(v.name);
    return names;
}

std::vector<std::string> kernel_set_names() {
    auto names = variant_names();
    names.emplace_back(kBf16SetName);
    names.emplace_back(kQ8_0SetName);
    names.emplace_back(kQ4_0SetName);
    names.emplace_back(kBf16xBf16SetName);
    return names;
}

bool is_deterministic(const KernelSet& ks) {
    for (Op op : kAllOps)
        if (!variant_of(ks, op).deterministic) return false;
    return true;
}

bool is_parallel(const KernelSet& ks) {
    for (Op op : kAllOps)
        if (variant_info(op, ks.name(op)).parallel) return true;
    return false;
}

bool is_batch_invariant(const KernelSet& ks) {
    for (Op op : kAllOps) {
        if ((op == Op::matmul && ks.weights != WeightFormat::f32) || (op == Op::matmul_bf16 && ks.weights != WeightFormat::bf16))
            continue;
        if (!variant_of(ks, op).batch_invariant) return false;
    }
    return true;
}

std::vector<std::string> batch_invariant_set_names() {
    std::vector<std::string> out;
    for (const auto& name : kernel_set_names())
        if (is_batch_invariant(make_kernel_set(name))) out.push_back(name);
    return out;
}

std::string_view default_kernel_variant() {
    const bool simd = cpu_supports(CpuNeed::avx2) || cpu_supports(CpuNeed::avx512);
    for (const auto& kind : kVariantKinds)
        if (simd || !kind.simd) return kind.name;
    return "naive";
}

KernelSet make_kernel_set(std::string_view spec) {
    const auto all_names = variant_names();
    std::array<std::string, kOpCount> requested;  // indexed by Op
    requested.fill(std::string(default_kernel_variant()));
    std::array<CpuNeed, kOpCount> isa_caps;  // indexed by Op; a "@isa" suffix lowers it
    isa_caps.fill(kWidestCpuNeed);
    WeightFormat weights = WeightFormat::f32;
    std::optional<DataFormat> acts;  // unset: q8 for quantized weights, else f32

    // A whole-spec item may also be a set name ("bf16", "q8_0", "q4_0", "bf16xbf16"); a per-op
    // variant may not.
    // "name" or "name@avx2|avx512" -> (name, the widest ISA its rows may need).
    auto split_isa = [&](std::string_view v) -> std::pair<std::string_view, CpuNeed> {
        const auto at = v.find('@');
        if (at == std::string_view::npos) return {v, kWidestCpuNeed};
        const std::string_view isa = v.substr(at + 1);
        if (isa == "avx2") return {v.substr(0, at), CpuNeed::avx2};
        if (isa == "avx512") return {v.substr(0, at), kWidestCpuNeed};
        throw KernelSpecError("unknown instruction set '" + std::string(isa) + "' in '" + std::string(v) +
                              "' (valid: avx2, avx512)");
    };
    auto check_variant = [&](std::string_view v, bool whole_spec) {
        if (std::find(all_names.begin(), all_names.end(), v) == all_names.end())
            throw KernelSpecError("unknown kernel variant '" + std::string(v) + "' (valid: " + join(all_names) +
                                  (whole_spec ? "; or the sets " + std::string(kBf16SetName) + ", " + std::string(kQ8_0SetName) + ", " +
                                                     std::string(kQ4_0SetName) + ", " + std::string(kBf16xBf16SetName) +
                                                     " for bf16 or quantized weights)"
                                               : ")"));
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
        if (item == kBf16xBf16SetName) {
            weights = WeightFormat::bf16;
            acts = DataFormat::bf16;
            continue;
        }
        if (item == kQ8_0SetName || item == kQ4_0SetName) {
            weights = item == kQ8_0SetName ? WeightFormat::q8_0 : WeightFormat::q4_0;
            acts = DataFormat::q8;
            continue;
        }
        const auto eq = item.find('=');
        if (eq == std::string_view::npos) {
            const auto [variant, cap] = split_isa(item);
            check_variant(variant, true);
            requested.fill(std::string(variant));
            isa_caps.fill(cap);
            continue;
        }
        std::string_view op = item.substr(0, eq), variant = item.substr(eq + 1);
        if (op == "weights") {
            if (variant == "f32") weights = WeightFormat::f32;
            else if (variant == "bf16") weights = WeightFormat::bf16;
            else if (variant == "q8_0") weights = WeightFormat::q8_0;
            else if (variant == "q4_0") weights = WeightFormat::q4_0;
            else throw KernelSpecError("unknown weights format '" + std::string(variant) + "' (valid: f32, bf16, q8_0, q4_0)");
            continue;
        }
        if (op == "acts") {
            if (variant == "f32") acts = DataFormat::f32;
            else if (variant == "q8") acts = DataFormat::q8;
            else if (variant == "bf16") acts = DataFormat::bf16;
            else throw KernelSpecError("unknown activation format '" + std::string(variant) + "' (valid: f32, bf16, q8)");
            continue;
        }
        const auto found = std::find_if(kAllOps.begin(), kAllOps.end(), [&](Op o) { return op_name(o) == op; });
        if (found == kAllOps.end()) {
            std::vector<std::string> ops;
            for (Op o : kAllOps) ops.emplace_back(op_name(o));
            ops.emplace_back("weights");
            ops.emplace_back("acts");
            throw KernelSpecError("unknown op '" + std::string(op) + "' in kernel spec (valid: " + join(ops) + ")");
        }
        const auto [base, cap] = split_isa(variant);
        check_variant(base, false);
        requested[static_cast<std::size_t>(*found)] = std::string(base);
        isa_caps[static_cast<std::size_t>(*found)] = cap;
    }

    if (!acts) acts = is_quantized(weights) ? DataFormat::q8 : DataFormat::f32;
    if (*acts == DataFormat::q8 && !is_quantized(weights))
        throw KernelSpecError("acts=q8 needs quantized weights (weights=q8_0 or q4_0), not weights=" +
                              std::string(weight_format_name(weights)));
    if (*acts == DataFormat::bf16 && weights != WeightFormat::bf16)
        throw KernelSpecError("acts=bf16 needs bf16 weights (weights=bf16: bf16 weights times activations rounded to bf16), "
                              "not weights=" + std::string(weight_format_name(weights)));

    KernelSet ks;
    ks.weights = weights;
    ks.acts = *acts;
#define LMH_CHOOSE(name, Fn)                                                                                  \
    choose<Fn>(table_##name, requested[static_cast<std::size_t>(Op::name)],                                  \
               isa_caps[static_cast<std::size_t>(Op::name)],                                                  \
               row_acts(Op::name, ks.acts), ks.name,                                                          \
               ks.names[static_cast<std::size_t>(Op::name)]);
    LMH_KERNEL_OPS(LMH_CHOOSE)
#undef LMH_CHOOSE
    // A request no row of its acts can serve (acts=q8 with "naive" or "tbb", or on a CPU
    // without AVX2) fell back to the first row, acts=f32: the set says what it really runs.
    if (is_quantized(weights)) {
        const Op op = weights == WeightFormat::q8_0 ? Op::matmul_q8_0 : Op::matmul_q4_0;
        ks.acts = variant_info(op, ks.name(op)).activations;
    }
    // The split form of the chosen quantized rows, where they have one (matmul_quant.h).
    for (const auto& s : kQ8_0Splits)
        if (ks.matmul_q8_0 == s.whole) ks.matmul_q8_0_on_q8 = s.on_q8;
    for (const auto& s : kQ4_0Splits)
        if (ks.matmul_q4_0 == s.whole) ks.matmul_q4_0_on_q8 = s.on_q8;
    if (ks.matmul_q8_0_on_q8 || ks.matmul_q4_0_on_q8) ks.quantize_acts = quantize_act_q8_0_avx2;
    return ks;
}

KernelSet make_kernel_set_for(std::string_view spec, std::string_view option) {
    try {
        return make_kernel_set(spec);
    } catch (const KernelSpecError& e) {
        throw Error(std::string(option) + ": " + e.what());
    }
}

}  // namespace lmh::kernels
