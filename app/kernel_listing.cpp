#include "app/kernel_listing.h"

#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "kernels/mutants.h"
#include "kernels/registry.h"

namespace lmh::app {
namespace {

// Whether the kernel set that exercises a mutant can run here (its variant's CPU needs).
bool mutant_runs_here(const kernels::mutants::Mutant& m) {
    for (const auto& v : kernels::list_variants())
        if (kernels::op_name(v.op) == m.op && v.name == m.variant) return v.available;
    return true;  // not a registry variant (the bf16 rounding helper): portable code
}

}  // namespace

void print_mutants(bool json) {
    namespace mu = kernels::mutants;
    if (json) {
        nlohmann::json j;
        j["compiled_in"] = mu::compiled_in();
        j["mutants"] = nlohmann::json::array();
        for (const auto& m : mu::catalogue())
            j["mutants"].push_back({{"name", m.name},
                                    {"op", m.op},
                                    {"variant", m.variant},
                                    {"kernels", m.kernels},
                                    {"kind", m.kind},
                                    {"description", m.description},
                                    {"runs_here", mutant_runs_here(m)}});
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("%-34s %-11s %-13s %-19s %-17s %-9s %s\n", "mutant", "op", "variant", "kernels", "kind", "runs here",
                "fault");
    for (const auto& m : mu::catalogue())
        std::printf("%-34s %-11s %-13s %-19s %-17s %-9s %s\n", std::string(m.name).c_str(), std::string(m.op).c_str(),
                    std::string(m.variant).c_str(), std::string(m.kernels).c_str(), std::string(m.kind).c_str(),
                    mutant_runs_here(m) ? "yes" : "no (CPU)", std::string(m.description).c_str());
    std::printf("\n%zu mutants; this binary %s. Run one: LMH_MUTANT=NAME lmharness verify ...; all: scripts/mutants.sh\n",
                mu::catalogue().size(),
                mu::compiled_in() ? "has them compiled in (-DLMH_MUTANTS=ON)" : "was built without them (-DLMH_MUTANTS=OFF)");
}

void print_kernel_variants(bool json) {
    const auto variants = kernels::list_variants();
    const std::string def(kernels::default_kernel_variant());
    if (json) {
        nlohmann::json j;
        j["default"] = def;
        j["names"] = kernels::variant_names();
        j["sets"] = kernels::kernel_set_names();
        j["default_set"] = kernels::make_kernel_set("").describe();
        j["batch_invariant_sets"] = kernels::batch_invariant_set_names();
        for (const auto& v : variants)
            j["variants"].push_back({{"op", kernels::op_name(v.op)},
                                     {"name", v.name},
                                     {"full_name", v.full_name()},
                                     {"label", v.label()},
                                     {"available", v.available},
                                     {"cpu", kernels::cpu_need_name(v.need)},
                                     {"parallel", v.parallel},
                                     {"deterministic", v.deterministic},
                                     {"batch_invariant", v.batch_invariant},
                                     {"weights", kernels::data_format_name(v.weights)},
                                     {"activations", kernels::data_format_name(v.activations)},
                                     {"summary", v.summary}});
        std::cout << j.dump(2) << "\n";
        return;
    }
    auto yes = [](bool b) { return b ? "yes" : "no"; };
    std::printf("%-12s %-15s %-9s %-11s %-9s %-6s %-6s %-8s %-5s %s\n", "op", "variant", "available", "cpu",
                "parallel", "determ", "batch", "weights", "act", "what it does");
    for (const auto& v : variants)
        std::printf("%-12s %-15s %-9s %-11s %-9s %-6s %-6s %-8s %-5s %s\n", std::string(kernels::op_name(v.op)).c_str(),
                    v.full_name().c_str(), v.available ? "yes" : "no (CPU)",
                    std::string(kernels::cpu_need_name(v.need)).c_str(), yes(v.parallel), yes(v.deterministic),
                    yes(v.batch_invariant), std::string(kernels::data_format_name(v.weights)).c_str(),
                    std::string(kernels::data_format_name(v.activations)).c_str(), std::string(v.summary).c_str());
    std::printf("(determ: bitwise the same for any thread count; batch: batch-invariant, each output row\n"
                " computed the same way whatever the number of rows m and the other rows)\n");
    std::printf("\nVariant names for --kernels: ");
    const auto names = kernels::variant_names();
    for (std::size_t i = 0; i < names.size(); ++i) std::printf("%s%s", i ? ", " : "", names[i].c_str());
    std::printf("\nDefault: %s  (%s)\n", def.c_str(), kernels::make_kernel_set("").describe().c_str());
    std::printf("Batch-invariant sets on this CPU (a sequence decoded in a batch gets bitwise its solo logits;\n"
                "verify --batch N checks it):");
    const auto inv = kernels::batch_invariant_set_names();
    for (std::size_t i = 0; i < inv.size(); ++i) std::printf("%s%s", i ? ", " : " ", inv[i].c_str());
    std::printf("%s\n", inv.empty() ? " none" : "");
    std::printf("An op without the requested variant falls back: tbb-simd -> tbb -> simd -> blocked -> naive.\n"
                "A name with rows for two instruction sets (simd@avx512, simd@avx2) takes the widest this CPU runs;\n"
                "NAME@avx2 caps a spec or op at AVX2 rows.\n");
    std::printf("Weights: add weights=bf16 to a spec (or use the set name bf16 = default variants + weights=bf16)\n"
                "to round every matmul weight to bf16 once at load; matmuls then run matmul_bf16 (f32 accumulation);\n"
                "with acts=bf16 (the set name bf16xbf16) its acts=bf16 rows round the activations to bf16 too, as\n"
                "llama.cpp's bf16 path (products exact in f32, f32 sums; AVX2 widens both, no vdpbf16ps row here).\n"
                "weights=q8_0|q4_0 quantize them once at load into ggml's blocks (rows not a multiple of 32 stay bf16)\n"
                "and run matmul_q8_0|matmul_q4_0; acts=f32 dequantizes the weights in registers, acts=q8 quantizes\n"
                "the activations per 32-block and sums int8 products (the default for quantized weights). The set\n"
                "names q8_0 and q4_0 are the default variants with those weights and acts=q8.\n");
}

}  // namespace lmh::app
