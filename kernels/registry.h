// The kernel registry: one table per op mapping a variant name to a plain function, and
// KernelSet, the bundle of one function per op that the forward pass is handed.
//
// A kernel spec chooses variants: "tbb" (every op), "matmul=simd,attention=blocked" (per
// op; the rest use the default), or both: "blocked,matmul=simd". When an op has no variant
// of the requested name, or the CPU lacks its instructions, the op falls back along a
// fixed chain (tbb-simd -> simd -> tbb -> blocked -> naive, taking only the steps that keep
// the requested kind of thing) and KernelSet::names records what was really chosen.
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
#include "kernels/rmsnorm.h"
#include "kernels/rope.h"
#include "kernels/softmax.h"
#include "kernels/swiglu.h"

namespace lmh::kernels {

enum class Op : int { matmul, rmsnorm, rope, softmax, attention, swiglu, gather, add };
inline constexpr int kOpCount = 8;

std::string_view op_name(Op op);

// What a variant needs from the CPU.
enum class CpuNeed { none, avx512 };
bool cpu_supports(CpuNeed need);

struct KernelSet {
    MatmulFn matmul = nullptr;
    RmsNormFn rmsnorm = nullptr;
    RopeFn rope = nullptr;
    SoftmaxFn softmax = nullptr;
    AttentionFn attention = nullptr;
    SwigluFn swiglu = nullptr;
    GatherFn gather = nullptr;
    AddFn add = nullptr;
    std::array<std::string, kOpCount> names;  // the variant really used for each op

    // "matmul=tbb,rmsnorm=blocked,..." in op order: a spec that reproduces this set.
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

class KernelSpecError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Throws KernelSpecError (message lists the valid names) on an unknown op or variant.
KernelSet make_kernel_set(std::string_view spec);

// The variant used when a spec names none: the fastest set this CPU supports.
std::string_view default_kernel_variant();

}  // namespace lmh::kernels
