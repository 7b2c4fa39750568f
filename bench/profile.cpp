#include "bench/profile.h"

#include <cstdio>
#include <cstring>

#include "engine/model_files.h"
#include "engine/sampler.h"
#include "engine/session.h"
#include "engine/tokenizer.h"
#include "engine/weights.h"
#include "kernels/registry.h"

namespace lmh::bench {
namespace {

// Index in kProfileOps of the op that produced tap `name`, -1 for an unknown tap.
int op_of_tap(std::string_view name) {
    if (name == "q" || name == "k" || name == "v") return 2;
    if (name == "attn") return 3;
    if (name == "attn_residual" || name == "out") return 5;
    for (int i = 0; i < kProfileOpCount; ++i)
        if (name == kProfileOps[i]) return i;
    return -1;
}

// {"total_ms_per_token", "ops": [{"op", "ms_per_token", "percent"}...]} over `tokens` tokens.
nlohmann::json ops_json(const OpProfiler& prof, int tokens) {
    nlohmann::json out;
    const double total = prof.total_seconds();
    out["total_ms_per_token"] = 1e3 * total / tokens;
    out["ops"] = nlohmann::json::array();
    for (int i = 0; i < kProfileOpCount; ++i)
        out["ops"].push_back({{"op", kProfileOps[i]},
                              {"ms_per_token", 1e3 * prof.seconds(i) / tokens},
                              {"percent", total > 0 ? 100.0 * prof.seconds(i) / total : 0.0}});
    return out;
}

}  // namespace

void OpProfiler::on_tensor(const TensorTap& tap) {
    if (!active_) return;
    const auto now = clock::now();
    const int op = op_of_tap(tap.name);
    if (op >= 0) seconds_[op] += std::chrono::duration<double>(now - last_).count();
    last_ = now;
}

double OpProfiler::total_seconds() const {
    double s = 0;
    for (double v : seconds_) s += v;
    return s;
}

nlohmann::json profile_decode(const Workload& w, const std::filesystem::path& model, const std::string& kernels) {
    auto weights = Weights::load(model);
    const Tokenizer tok = Tokenizer::load(locate_model(model).dir / "tokenizer.json");
    const bool chat = w.kind == "chat";
    const auto prompt = tok.encode(chat ? w.system + "\n" + w.turns.front() : w.prompt, true);
    int steps = chat ? w.reply_tokens * static_cast<int>(w.turns.size()) : w.generate_tokens;
    Session s(weights, kernels::make_kernel_set(kernels));
    steps = std::max(1, std::min<int>(steps, s.context() - static_cast<int>(prompt.size())));
    // The prefill profile uses the workload's prefill case when it has one (a long prompt
    // in one forward), else the prompt itself, in a session of its own.
    auto prefill_ids = prompt;
    if (!chat && w.prefill_tokens > 0) {
        prefill_ids = tok.encode(w.prefill_text, true);
        prefill_ids.resize(std::min<std::size_t>(prefill_ids.size(), static_cast<std::size_t>(w.prefill_tokens)));
    }
    OpProfiler prefill, prof;
    {
        Session ps(weights, kernels::make_kernel_set(kernels));
        ps.set_observer(&prefill);
        prefill.begin_step();
        (void)ps.forward(prefill_ids);
        prefill.end_step();
    }
    int token = argmax(s.forward(prompt));
    s.set_observer(&prof);
    for (int i = 0; i < steps; ++i) {
        const int one[1] = {token};
        prof.begin_step();
        const auto logits = s.forward(one);
        prof.end_step();
        token = argmax(logits);
    }
    s.set_observer(nullptr);

    nlohmann::json out = ops_json(prof, prof.steps());
    out["decode_steps"] = prof.steps();
    out["context_start"] = static_cast<int>(prompt.size());
    out["prefill"] = ops_json(prefill, static_cast<int>(prefill_ids.size()));
    out["prefill"]["tokens"] = static_cast<int>(prefill_ids.size());
    return out;
}

std::string profile_table(const std::string& label, const nlohmann::json& p) {
    const auto& pre = p["prefill"];
    std::string s = "profile " + label + ": decode " + std::to_string(p["decode_steps"].get<int>()) +
                    " steps from position " + std::to_string(p["context_start"].get<int>()) + "; prefill of " +
                    std::to_string(pre["tokens"].get<int>()) + " tokens\n";
    char line[160];
    std::snprintf(line, sizeof line, "  %-12s %14s %8s %16s %8s\n", "op", "decode ms/tok", "%", "prefill ms/tok", "%");
    s += line;
    for (std::size_t i = 0; i < p["ops"].size(); ++i) {
        const auto& d = p["ops"][i];
        const auto& f = pre["ops"][i];
        std::snprintf(line, sizeof line, "  %-12s %14.4f %7.1f%% %16.4f %7.1f%%\n", d["op"].get<std::string>().c_str(),
                      d["ms_per_token"].get<double>(), d["percent"].get<double>(), f["ms_per_token"].get<double>(),
                      f["percent"].get<double>());
        s += line;
    }
    std::snprintf(line, sizeof line, "  %-12s %14.4f %7.1f%% %16.4f %7.1f%%\n", "total", p["total_ms_per_token"].get<double>(),
                  100.0, pre["total_ms_per_token"].get<double>(), 100.0);
    s += line;
    return s;
}

}  // namespace lmh::bench
