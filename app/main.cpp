// lmharness: the command-line entry point. Parses options, dispatches to a subcommand, and
// turns every error into one line on stderr and a non-zero exit code:
//   1  a check failed (verify found a tensor out of budget, compare found a regression)
//   2  bad usage or bad input (options, files, shapes, ids)
//   3  compare: the samples cannot support a verdict
//   70 an internal error (a bug: please report it)
#include <cstdio>
#include <exception>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.h"
#include "kernels/mutants.h"
#include "util/error.h"

int main(int argc, char** argv) {
    CLI::App app{"lmharness: a Llama/Mistral/Qwen f32 inference engine built as a benchmarking and correctness harness.\n"
                 "Interchangeable kernel variants, float64-referenced verification, and tokens/s benchmarks."};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show help for every command");
    namespace cmd = lmh::app;
    // In the order --help lists them.
    for (auto add : {cmd::add_story_command, cmd::add_token_commands, cmd::add_logits_command, cmd::add_kernels_command,
                     cmd::add_chat_command, cmd::add_verify_command, cmd::add_synth_command, cmd::add_compare_command,
                     cmd::add_history_commands, cmd::add_bench_command, cmd::add_export_command, cmd::add_report_command})
        add(app);
    // A mutant build runs planted kernel faults on request (kernels/mutants.h): say so loudly,
    // and refuse an LMH_MUTANT this binary cannot honour rather than run unmutated.
    if (const std::string err = lmh::kernels::mutants::environment_error(); !err.empty()) {
        std::cerr << "lmharness: error: " << err << "\n";
        return 2;
    }
    if (!lmh::kernels::mutants::active_name().empty())
        std::cerr << "lmharness: WARNING: MUTANT ACTIVE: " << lmh::kernels::mutants::active_name()
                  << " -- kernels are deliberately wrong (mutation testing build)\n";
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << "lmharness: error: " << e.what() << " (see --help)\n";
        return 2;
    } catch (const lmh::app::VerifyFailed& f) {
        return f.code;
    } catch (const lmh::Error& e) {
        std::cout.flush();
        std::cerr << "lmharness: error: " << e.what() << "\n";
        return 2;
    } catch (const std::bad_alloc&) {
        std::cerr << "lmharness: error: out of memory\n";
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "lmharness: internal error: " << e.what() << "\n";
        return 70;
    }
    return 0;
}
