// `lmharness logits`: one prefill over given ids, logits printed as JSON.
#include <cstdio>
#include <iostream>

#include "app/commands.h"
#include "app/options.h"
#include "util/error.h"
#include "engine/session.h"

namespace lmh::app {
namespace {

struct LogitsOptions {
    std::string model = "models/story";
    TokenIdsOption ids;
    bool all_positions = false;
    RunOptions run;
};

void run_logits(const LogitsOptions& o) {
    const auto limit = o.run.limit_threads();
    const auto ids = o.ids.parse();
    auto weights = Weights::load(o.model);
    Session session(weights, o.run.kernel_set());
    const auto logits = session.forward(ids, o.all_positions);
    const std::size_t V = static_cast<std::size_t>(weights->config().vocab);
    const std::size_t rows = logits.size() / V;
    std::string out = "{\"ids\":[";
    for (std::size_t i = 0; i < ids.size(); ++i) out += (i ? "," : "") + std::to_string(ids[i]);
    out += "],\"logits\":[";
    char buf[32];
    for (std::size_t r = 0; r < rows; ++r) {
        out += r ? ",[" : "[";
        for (std::size_t v = 0; v < V; ++v) {
            std::snprintf(buf, sizeof buf, "%s%.9g", v ? "," : "", static_cast<double>(logits[r * V + v]));
            out += buf;
        }
        out += "]";
    }
    out += "]}\n";
    std::cout << out;
}

}  // namespace

void add_logits_command(CLI::App& app) {
    auto [cmd, o] =
        add_command<LogitsOptions>(app, "logits", "Run one prefill over token ids and print the logits as JSON", run_logits);
    add_model_option(*cmd, o->model);
    o->ids.add_to(*cmd);
    cmd->add_flag("--all-positions", o->all_positions, "Print the logits of every position, not only the last");
    o->run.add_to(*cmd);
}

}  // namespace lmh::app
