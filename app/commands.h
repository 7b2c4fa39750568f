// Each subcommand registers itself on the CLI11 app; its callback does the work.
#pragma once

#include <CLI/CLI.hpp>

namespace lmh::app {

void add_story_command(CLI::App& app);
void add_token_commands(CLI::App& app);  // tokenize, detokenize
void add_logits_command(CLI::App& app);
void add_kernels_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_chat_command(CLI::App& app);
void add_synth_command(CLI::App& app);
void add_compare_command(CLI::App& app);
void add_history_commands(CLI::App& app);  // import, history
void add_bench_command(CLI::App& app);
void add_export_command(CLI::App& app);
void add_report_command(CLI::App& app);

// Thrown by a command whose check failed (not an error in the input): main exits with code.
struct VerifyFailed {
    int code;
};

}  // namespace lmh::app
