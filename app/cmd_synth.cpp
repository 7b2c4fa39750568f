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
    };
    auto o = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "synth", "Write an f32 safetensors checkpoint with random weights of a config's exact shapes (same bytes on every machine)");
    cmd->add_option("-c,--config", o->config, "config.json of the model")->required();
    cmd->add_option("--seed", o->seed, "Seed of the portable random generator")->capture_default_str();
    cmd->add_option("-o,--output", o->out, "Output .safetensors file (written atomically)")->required();
    cmd->callback([o] {
        write_synthetic_checkpoint(o->config, o->seed, o->out);
        std::fprintf(stderr, "synth: wrote %s (seed %llu, sha256 %s)\n", o->out.c_str(),
                     static_cast<unsigned long long>(o->seed), sha256_file(o->out).c_str());
    });
}

}  // namespace lmh::app
