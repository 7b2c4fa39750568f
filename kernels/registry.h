// The kernel registry: one table per op mapping a variant name to a plain function, and
// KernelSet, the bundle of one function per op that the forward pass is handed.
//
// A kernel spec chooses variants: "tbb" (every op), "matmul=simd,attention=blocked" (per
// op; the rest use the default), or both: "blocked,matmul=simd". When an op has no variant
// of the requested name, or the CPU lacks its instructions, the op falls back along a
// fixed chain (tbb-simd -> tbb -> simd -> blocked -> naive, taking only the steps that keep
// the requested kind of thing) and KernelSet::names records what was really chosen.
// A spec also chooses how the model's matmul weights are held: "weights=f32" (the default)
// or "weights=bf16", meaning the forward pass rounds them once (f32_to_bf16_n) and calls
// matmul_bf16 instead of matmul. The
// item "bf16" is short for "weights=bf16", so "bf16" alone is the default variants with
// bf16 weights; it is a set name, not a variant of any op.
#pragma once

#include <array>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kernels/add.h"
#include "kernels/attention.h"
#include "kernels/gather.h"
#include "kernels/matmul.h"
#include "kernels/matmul_bf16.h"
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/softmax.h"
#include "kernels/swiglu.h"

namespace lmh::kernels {

enum class Op : int { matmul, rmsnorm, rope, softmax, attention, swiglu, gather, add, matmul_bf16 };
inline constexpr int kOpCount = 9;

std::string_view op_name(Op op);

// What a variant needs from the CPU.
enum class CpuNeed { none, avx512 };
bool cpu_supports(CpuNeed need);

// How the forward pass holds the weights of its matmuls: f32 as loaded (matmul), or
// rounded once to bf16 (matmul_bf16: half the bytes streamed per decode step).
enum class WeightFormat { f32, bf16 };

struct KernelSet {
    MatmulFn matmul = nullptr;
    RmsNormFn rmsnorm = nullptr;
    RopeFn rope = nullptr;
    SoftmaxFn softmax = nullptr;
    AttentionFn attention = nullptr;
    SwigluFn swiglu = nullptr;
    GatherFn gather = nullptr;
    AddFn add = nullptr;
    MatmulBf16Fn matmul_bf16 = nullptr;
    WeightFormat weights = WeightFormat::f32;
    std::array<std::string, kOpCount> names;  // the variant really used for each op

    // "matmul=tbb,rmsnorm=blocked,..." in op order, then ",weights=bf16" when the weights
    // are bf16: a spec that reproduces this set.
    std::string describe() const;
};

struct VariantInfo {
    Op op;
    std::string_view name;
    std::string_view summary;
    bool available;      // this CPU can run it
    bool deterministic;  // bitwise identical results for any thread count
};

std::vector<VariantInfo> list_variants();
// Every variant name that exists for at least one op, in registry order.
std::vector<std::string> variant_names();
// The kernel sets "all" means in bench and verify: every variant name, then "bf16" (the
// default variants with weights=bf16).
std::vector<std::string> kernel_set_names();

class KernelSpecError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws KernelSpecError (message lists the valid names) on an unknown op, variant or
// weights value.
KernelSet make_kernel_set(std::string_view spec);

// The variant used when a spec names none: the fastest set this CPU supports.
std::string_view default_kernel_variant();

}  // namespace lmh::kernels
