// `lmharness synth`: write a synthetic checkpoint of a config's exact shapes.
#include <cstdio>

#include "app/commands.h"
#include "util/sha256.h"
#include "engine/synth.h"

namespace lmh::app {

void add_synth_command(CLI::App& app) {
    struct Options {
        std::string config;
        std::uint64_t seed = 0;
        std::string out;
        std::string dtype = "f32";
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "synth", "Write a safetensors checkpoint with random weights of a config's exact shapes (same bytes on every machine)");
    cmd->add_option("-c,--config", o->config, "config.json of the model")->required();
    cmd->add_option("--seed", o->seed, "Seed of the portable random generator")->capture_default_str();
    cmd->add_option("-o,--output", o->out, "Output .safetensors file (written atomically)")->required();
    cmd->add_option("--dtype", o->dtype, "Tensor dtype: f32, bf16 or f16 (each value rounded once, to nearest even)")
        ->check(CLI::IsMember({"f32", "bf16", "f16"}))
        ->capture_default_str();
    cmd->callback([o] {
        const DType dtype = o->dtype == "bf16" ? DType::BF16 : o->dtype == "f16" ? DType::F16 : DType::F32;
        write_synthetic_checkpoint(o->config, o->seed, o->out, dtype);
        std::fprintf(stderr, "synth: wrote %s (%s, seed %llu, sha256 %s)\n", o->out.c_str(), o->dtype.c_str(),
                     static_cast<unsigned long long>(o->seed), sha256_file(o->out).c_str());
    });
}

}  // namespace lmh::app
