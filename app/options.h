// Options shared by the commands that run a model: where the model is, which kernels,
// how many threads, how to sample. Each command adds the groups it needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

#include "app/commands.h"
#include "engine/sampler.h"
#include "kernels/registry.h"
#include "util/lists.h"

namespace lmh::app {

struct RunOptions {
    std::string kernels;  // empty: the default set
    int threads = 0;      // 0: all cores

    void add_to(CLI::App& cmd);
    kernels::KernelSet kernel_set() const;
    // Limits oneTBB for as long as the returned object lives.
    std::unique_ptr<tbb::global_control> limit_threads() const;
};

struct SamplingOptions {
    SamplerParams params;
    void add_to(CLI::App& cmd);
};

// What the commands that write text (story, chat) share: a token budget, the kernel/thread
// group and the sampling group.
struct GenerationCli {
    int max_tokens = 256;
    RunOptions run;
    SamplingOptions sampling;

    // The budget under the command's own flag names ("-n,--max-tokens", "--max-reply-tokens").
    void add_budget(CLI::App& cmd, const std::string& flags, const std::string& description);
    void add_to(CLI::App& cmd);  // the run group, then the sampling group
    // Refuses bad sampling parameters, then limits oneTBB for as long as the returned object lives.
    [[nodiscard]] std::unique_ptr<tbb::global_control> start() const;
};

// --ids: comma-separated token ids (logits, detokenize).
struct TokenIdsOption {
    std::string text;
    void add_to(CLI::App& cmd);
    std::vector<int> parse() const;
};

// Adds subcommand `name` whose options live in one shared O (CLI11 keeps pointers into it
// until the callback runs) and that calls run(o) when chosen: the setup every command shares.
// A run that returns an int returns the exit code of its check (non-zero: VerifyFailed).
template <class O, class Run>
std::pair<CLI::App*, std::shared_ptr<O>> add_command(CLI::App& app, const std::string& name,
                                                     const std::string& description, Run run) {
    auto o = std::make_shared<O>();
    CLI::App* cmd = app.add_subcommand(name, description);
    cmd->callback([o, run] {
        if constexpr (std::is_same_v<std::invoke_result_t<Run, const O&>, int>) {
            if (const int code = run(*o); code != 0) throw VerifyFailed{code};
        } else {
            run(*o);
        }
    });
    return {cmd, o};
}

// -m,--model: the model directory, with its default shown in --help.
void add_model_option(CLI::App& cmd, std::string& model, const std::string& description = "Model directory, or a llama .gguf file (tokenizer.json beside it), or a folder holding one");


}  // namespace lmh::app
