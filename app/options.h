// Options shared by the commands that run a model: where the model is, which kernels,
// how many threads, how to sample. Each command adds the groups it needs.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>
#include <tbb/global_control.h>

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


}  // namespace lmh::app
