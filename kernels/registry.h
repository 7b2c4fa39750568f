// The kernel registry: one table per op mapping a variant name to a plain function and a
// description of it, and KernelSet, the bundle of one function per op that the forward pass
// is handed.
//
// A kernel spec chooses variants: "tbb" (every op), "matmul=simd,attention=blocked" (per
// op; the rest use the default), or both: "blocked,matmul=simd". When an op has no variant
// of the requested name, or the CPU lacks its instructions, the op falls back along a
// chain derived from kVariantKinds below (tbb-simd -> tbb -> simd -> blocked -> naive,
// taking only the steps that add nothing the request did not ask for: no threads unless a
// parallel kind was asked for, no AVX-512 unless a SIMD kind was), and KernelSet::name(op)
// records what was really chosen.
// One name may have two rows in an op's table, one per instruction set (matmul and
// matmul_bf16 have "simd" and "tbb-simd" for AVX-512 and for AVX2): a request takes the
// widest one this CPU runs, AVX-512 first. Such rows' full names carry their ISA
// ("simd@avx512", "simd@avx2"; VariantInfo::full_name), and KernelSet::names, describe(), and so
// bench records (kernels_resolved) and verify reports, record the full name: they say which
// code ran, not only which kind. A spec may use the full name, or cap a whole spec at one ISA
// ("tbb-simd@avx2": no row needing more than AVX2, e.g. to run the AVX2 code on an AVX-512
// machine); "@avx512" is no cap. (Chosen over a per-set ISA field: one string already
// travels everywhere a set is reported, and it stays a spec that reproduces the set.)
// A spec also chooses how the model's matmul weights are held: "weights=f32" (the default),
// "weights=bf16" (the forward pass rounds them once, f32_to_bf16_n, and calls matmul_bf16
// instead of matmul), or "weights=q8_0" / "weights=q4_0" (quantized once at load into ggml's
// blocks, kernels/quant.h, and multiplied by matmul_q8_0 / matmul_q4_0). "acts=f32|bf16|q8"
// chooses how those matmuls treat the activations: acts=q8 (quantized weights only,
// matmul_quant.h) quantizes them per 32-block, acts=bf16 (bf16 weights only, matmul_bf16.h)
// rounds them to bf16 as llama.cpp's bf16 path does; a quantized op, and matmul_bf16, take
// only rows of their table whose activation format is the set's (matmul_bf16: its acts=bf16
// rows for acts=bf16, its acts=f32 rows for any other set), so matmul_bf16 has two "naive"
// rows, one per activation format. Without acts=, quantized weights get q8 (the fastest that
// meets their budgets) and f32/bf16 weights f32. The items "bf16", "q8_0", "q4_0" and
// "bf16xbf16" are set names: the default variants with those weights (and acts=q8 for the
// quantized ones, acts=bf16 for bf16xbf16), not variants of any op.
//
// Adding an op: one line in LMH_KERNEL_OPS (its name and function type) and one table in
// registry.cpp; the enum, the count, the KernelSet member, op_name and the spec parser all
// follow from the list.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/add.h"
#include "kernels/attention.h"
#include "kernels/gather.h"
#include "kernels/matmul.h"
#include "kernels/matmul_bf16.h"
#include "kernels/matmul_quant.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/softmax.h"
#include "kernels/swiglu.h"

namespace lmh::kernels {

// The one list of ops, in the order `describe()` and `lmharness kernels` print them:
// X(name, function type). Every op-indexed thing below is generated from it.
#define LMH_KERNEL_OPS(X)       \
    X(matmul, MatmulFn)         \
    X(rmsnorm, RmsNormFn)       \
    X(rope, RopeFn)             \
    X(softmax, SoftmaxFn)       \
    X(attention, AttentionFn)   \
    X(swiglu, SwigluFn)         \
    X(gather, GatherFn)         \
    X(add, AddFn)               \
    X(matmul_bf16, MatmulBf16Fn)     \
    X(matmul_q8_0, MatmulQ8_0Fn)     \
    X(matmul_q4_0, MatmulQ4_0Fn)

enum class Op : int {
#define LMH_OP_ENUMERATOR(name, Fn) name,
    LMH_KERNEL_OPS(LMH_OP_ENUMERATOR)
#undef LMH_OP_ENUMERATOR
};

#define LMH_OP_PLUS_ONE(name, Fn) +1
inline constexpr int kOpCount = 0 LMH_KERNEL_OPS(LMH_OP_PLUS_ONE);
#undef LMH_OP_PLUS_ONE

#define LMH_OP_VALUE(name, Fn) Op::name,
inline constexpr std::array<Op, kOpCount> kAllOps = {LMH_KERNEL_OPS(LMH_OP_VALUE)};
#undef LMH_OP_VALUE

constexpr std::string_view op_name(Op op) {
#define LMH_OP_NAME_CASE(name, Fn) \
    case Op::name: return #name;
    switch (op) { LMH_KERNEL_OPS(LMH_OP_NAME_CASE) }
#undef LMH_OP_NAME_CASE
    return "?";
}

// What a variant needs from the CPU: avx2 means AVX2 + FMA + F16C (every x86-64 since
// Haswell and Zen), avx512 F/BW/VL/DQ + FMA.
// avx512: F, BW, VL, DQ (+FMA). avx512_vnni / avx512_bf16: that plus VNNI (vpdpbusd) or
// AVX512-BF16 (vdpbf16ps), later extensions that not every AVX-512 CPU has. In this order: a
// spec's "@avx512" admits all three, "@avx2" none of them.
enum class CpuNeed { none, avx2, avx512, avx512_vnni, avx512_bf16 };
inline constexpr CpuNeed kWidestCpuNeed = CpuNeed::avx512_bf16;
bool cpu_supports(CpuNeed need);
std::string_view cpu_need_name(CpuNeed need);  // "-", "avx2", "avx512", "avx512_vnni", "avx512_bf16"

// How the forward pass holds the weights of its matmuls: f32 as loaded (matmul), rounded
// once to bf16 (matmul_bf16: half the bytes streamed per decode step), or quantized once to
// q8_0 / q4_0 blocks (matmul_q8_0 / matmul_q4_0: 8.5 / 4.5 bits per weight).
enum class WeightFormat { f32, bf16, q8_0, q4_0 };
inline constexpr int kWeightFormatCount = 4;
std::string_view weight_format_name(WeightFormat f);  // "f32", "bf16", "q8_0", "q4_0"
inline constexpr bool is_quantized(WeightFormat f) { return f == WeightFormat::q8_0 || f == WeightFormat::q4_0; }

// The element format of a kernel's weight or activation operand; none: it has no such operand.
// q8: activations quantized per 32-block to int8 with an fp16 scale inside the kernel.
enum class DataFormat { none, f32, bf16, q8_0, q4_0, q8 };
std::string_view data_format_name(DataFormat f);  // "-", "f32", "bf16", "q8_0", "q4_0", "q8"

// The variant names, in the order a fallback tries them, with what each kind of variant
// may use. Every row of every op table is one of these kinds (checked at compile time in
// registry.cpp); a new kind of variant is one more line here. A SIMD kind's rows use AVX2 or
// AVX-512 (each row says which); the others use no vector instructions explicitly.
struct VariantKind {
    std::string_view name;
    bool parallel;  // may use more than one thread
    bool simd;      // may use vector intrinsics (CpuNeed avx2 or avx512)
};
inline constexpr VariantKind kVariantKinds[] = {
    {"tbb-simd", true, true},
    {"tbb", true, false},
    {"simd", false, true},
    {"blocked", false, false},
    {"naive", false, false},
};

struct KernelSet {
#define LMH_OP_MEMBER(name, Fn) Fn name = nullptr;
    LMH_KERNEL_OPS(LMH_OP_MEMBER)
#undef LMH_OP_MEMBER
    // The split form of the chosen matmul_q8_0 / matmul_q4_0 row (matmul_quant.h), null where
    // the row has none (the naive acts=f32 rows): quantize_acts once per row of A, then the
    // *_on_q8 function on any pieces of the weights, bitwise the whole op's outputs, each call
    // on the calling thread (the caller splits). Not an op of its own: it is the same row's
    // per-output code, chosen with it.
    QuantizeActsFn quantize_acts = nullptr;
    MatmulQ8_0OnQ8Fn matmul_q8_0_on_q8 = nullptr;
    MatmulQ4_0OnQ8Fn matmul_q4_0_on_q8 = nullptr;
    WeightFormat weights = WeightFormat::f32;
    DataFormat acts = DataFormat::f32;  // of the bf16 (f32 or bf16) and quantized (f32 or q8) matmuls
    std::array<std::string, kOpCount> names;  // the variant really used for each op, indexed by Op

    const std::string& name(Op op) const { return names[static_cast<std::size_t>(op)]; }

    // "matmul=tbb,rmsnorm=blocked,..." in op order, then ",weights=bf16" when the weights
    // are bf16 (",weights=bf16,acts=bf16" with acts=bf16): a spec that reproduces this set. A
    // quantized matmul op appears only when the weights are in its format (with
    // ",weights=q8_0,acts=q8"): other sets never call it, so two sets that run the same
    // arithmetic describe themselves alike.
    std::string describe() const;
};

// One row of an op's table, as the rest of the program sees it.
struct VariantInfo {
    Op op;
    std::string_view name;
    std::string_view summary;
    CpuNeed need;
    bool available;        // this CPU can run it
    bool parallel;         // splits work over oneTBB threads (tests and benchmarks vary the thread count)
    bool deterministic;    // bitwise identical results for any thread count
    bool batch_invariant;  // an output row's arithmetic depends neither on m nor on other rows
    DataFormat weights;    // format of the weight operand (none: the op has no weights)
    DataFormat activations;
    std::string_view isa_suffix;  // "@avx2" / "@avx512" when the op has this name for two ISAs, else ""
    std::string acts_suffix;      // "+acts=bf16" when an earlier row has the same full name, else ""

    // The name that selects this row alone among its activation format's rows and that
    // KernelSet::names records: "simd@avx2" for a name with rows for two ISAs, else the name.
    std::string full_name() const { return std::string(name) + std::string(isa_suffix); }
    // Unique within the op's table (test and benchmark names): the full name, plus
    // "+acts=bf16" for matmul_bf16's acts=bf16 rows, whose full names its acts=f32 rows share.
    std::string label() const { return full_name() + acts_suffix; }
};

std::vector<VariantInfo> list_variants();
// The row of op's table named name (among the rows of activation format acts, unless none);
// throws KernelSpecError when there is none.
VariantInfo variant_info(Op op, std::string_view name, DataFormat acts = DataFormat::none);
// The row ks runs for op (its name and the activation format ks's acts gives that op).
VariantInfo variant_of(const KernelSet& ks, Op op);
// The spec that selects exactly this row for its op: "op=name", plus the weights and acts a
// quantized or acts=bf16 matmul's row is taken for ("matmul_q8_0=simd,weights=q8_0,acts=q8",
// "matmul_bf16=naive,weights=bf16,acts=bf16").
std::string variant_spec(const VariantInfo& v);
// Every variant name that exists for at least one op, in registry order.
std::vector<std::string> variant_names();
// The kernel sets "all" means in bench and verify: every variant name, then "bf16", "q8_0",
// "q4_0" and "bf16xbf16" (the default variants with those weights; acts=q8 for the quantized
// ones, acts=bf16 for bf16xbf16).
std::vector<std::string> kernel_set_names();
// Whether every op of ks is deterministic across thread counts (read from the tables).
bool is_deterministic(const KernelSet& ks);
// Whether some op of ks may use more than one thread (read from the tables): the engine's
// fused decode step (engine/decode_step.cpp) splits a step over threads only for such a set.
bool is_parallel(const KernelSet& ks);
// Whether every op ks runs is batch-invariant (read from the tables; the matmul of the weight
// format ks does not use is left out): a sequence decoded in a batch then gets bitwise the
// logits it gets alone (engine/batch.h).
bool is_batch_invariant(const KernelSet& ks);
// The names of kernel_set_names() whose set is batch-invariant on this CPU (after fallbacks).
std::vector<std::string> batch_invariant_set_names();

class KernelSpecError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws KernelSpecError (message lists the valid names) on an unknown op, variant or
// weights value.
KernelSet make_kernel_set(std::string_view spec);

// make_kernel_set for options: a KernelSpecError becomes lmh::Error "<option>: <message>"
// (exit code 2 in the CLI).
KernelSet make_kernel_set_for(std::string_view spec, std::string_view option);

// The variant used when a spec names none: the fastest kind this CPU supports, "tbb-simd" on a
// CPU with AVX2 or AVX-512, else "tbb". (On an AVX2-only CPU the matmuls get their AVX2 rows,
// tbb-simd@avx2, and the ops without AVX2 rows fall back to tbb.)
std::string_view default_kernel_variant();

}  // namespace lmh::kernels
