// `lmharness kernels`: every op, its variants, and whether this CPU can run them.
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "kernels/registry.h"

namespace lmh::app {

void add_kernels_command(CLI::App& app) {
    auto json_out = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("kernels", "List the kernel variants of every op and whether this CPU runs them");
    cmd->add_flag("--json", *json_out, "Print JSON instead of a table");
    cmd->callback([json_out] {
        const auto variants = kernels::list_variants();
        const std::string def(kernels::default_kernel_variant());
        if (*json_out) {
            nlohmann::json j;
            j["default"] = def;
            j["names"] = kernels::variant_names();
            j["sets"] = kernels::kernel_set_names();
            j["default_set"] = kernels::make_kernel_set("").describe();
            for (const auto& v : variants)
                j["variants"].push_back({{"op", kernels::op_name(v.op)},
                                         {"name", v.name},
                                         {"available", v.available},
                                         {"deterministic", v.deterministic},
                                         {"summary", v.summary}});
            std::cout << j.dump(2) << "\n";
            return;
        }
        std::printf("%-12s %-10s %-10s %-14s %s\n", "op", "variant", "available", "deterministic", "what it does");
        for (const auto& v : variants)
            std::printf("%-12s %-10s %-10s %-14s %s\n", std::string(kernels::op_name(v.op)).c_str(),
                        std::string(v.name).c_str(), v.available ? "yes" : "no (CPU)", v.deterministic ? "yes" : "no",
                        std::string(v.summary).c_str());
        std::printf("\nVariant names for --kernels: ");
        const auto names = kernels::variant_names();
        for (std::size_t i = 0; i < names.size(); ++i) std::printf("%s%s", i ? ", " : "", names[i].c_str());
        std::printf("\nDefault: %s  (%s)\n", def.c_str(), kernels::make_kernel_set("").describe().c_str());
        std::printf("An op without the requested variant falls back: tbb-simd -> tbb -> simd -> blocked -> naive.\n");
        std::printf("Weights: add weights=bf16 to a spec (or use the set name bf16 = default variants + weights=bf16)\n"
                    "to round every matmul weight to bf16 once at load; matmuls then run matmul_bf16 (f32 accumulation).\n");
    });
}

}  // namespace lmh::app
