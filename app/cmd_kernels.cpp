// `lmharness kernels`: every op, its variants, and whether this CPU can run them.
#include "app/commands.h"
#include "app/kernel_listing.h"

namespace lmh::app {

void add_kernels_command(CLI::App& app) {
    auto json_out = std::make_shared<bool>(false);
    auto mutants_out = std::make_shared<bool>(false);
    CLI::App* cmd = app.add_subcommand("kernels", "List the kernel variants of every op and whether this CPU runs them");
    cmd->add_flag("--json", *json_out, "Print JSON instead of a table");
    cmd->add_flag("--mutants", *mutants_out,
                  "List the mutant catalogue (planted faults for scripts/mutants.sh; active only in a -DLMH_MUTANTS=ON "
                  "build under LMH_MUTANT=NAME)");
    cmd->callback([json_out, mutants_out] {
        if (*mutants_out)
            print_mutants(*json_out);
        else
            print_kernel_variants(*json_out);
    });
}

}  // namespace lmh::app
