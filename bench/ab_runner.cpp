#include "bench/ab_runner.h"

#include <cstdio>

#include <tbb/global_control.h>

#include "util/error.h"

namespace lmh::bench {
namespace {

bool measured(const AbMetric& m) {
    for (const auto* side : {&m.a, &m.b})
        for (const double v : *side)
            if (!(v > 0)) return false;
    return true;
}

}  // namespace

AbResult run_ab(const Workload& w, const std::string& a, const std::string& b, int threads, int rounds,
                const std::filesystem::path& root) {
    AbResult res;
    res.workload = w.name;
    res.set_a = a;
    res.set_b = b;
    res.threads = threads;
    res.rounds = rounds;
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(threads));
    const LoadedModel m = LoadedModel::load(root / w.model, w.kind == "chat");
    for (const std::string& c : workload_cases(w)) {
        AbMetric dec{c, "decode_tokens_per_second", {}, {}, {}};
        AbMetric pre{c, "prefill_tokens_per_second", {}, {}, {}};
        // One unmeasured run of each first: page in weights, warm caches and the thread pool.
        (void)run_once(w, c, m, a);
        (void)run_once(w, c, m, b);
        for (int i = 0; i < rounds; ++i) {
            // ABBA: even rounds run A first, odd rounds B first, so a slow drift of the
            // machine affects both sides alike.
            RunSample sa, sb;
            if (i % 2 == 0) {
                sa = run_once(w, c, m, a);
                sb = run_once(w, c, m, b);
            } else {
                sb = run_once(w, c, m, b);
                sa = run_once(w, c, m, a);
            }
            res.tokens_equal = res.tokens_equal && sa.tokens_hash == sb.tokens_hash;
            dec.a.push_back(sa.decode_tps);
            dec.b.push_back(sb.decode_tps);
            pre.a.push_back(sa.prefill_tps);
            pre.b.push_back(sb.prefill_tps);
        }
        // A rate of 0 is a phase that did not run (e.g. no decode step when the workload
        // generates one token, which the prefill yields): there is nothing to compare.
        if (c != "prefill" + std::to_string(w.prefill_tokens) && measured(dec)) {
            dec.ratio = paired_log_ratio(dec.a, dec.b);
            res.metrics.push_back(dec);
        }
        if (c != "generate" && measured(pre)) {  // a 6-token prefill says nothing; the prefill case does
            pre.ratio = paired_log_ratio(pre.a, pre.b);
            res.metrics.push_back(pre);
        }
    }
    if (res.metrics.empty())
        throw Error("bench --ab: workload '" + w.name + "' measured no decode or prefill rate to compare (decode needs generate_tokens of 2 or more)");
    return res;
}

std::string ab_summary(const AbResult& r) {
    std::string s;
    char line[512];
    for (const auto& m : r.metrics) {
        std::snprintf(line, sizeof line, "%s/%s %s, %d thread%s: %s is %.3g× %s (95%% CI %.3g–%.3g%s, %d rounds)\n",
                      r.workload.c_str(), m.case_name.c_str(), m.metric.c_str(), r.threads, r.threads == 1 ? "" : "s",
                      r.set_b.c_str(), m.ratio.ratio, r.set_a.c_str(), m.ratio.ci.low, m.ratio.ci.high,
                      m.ratio.ci.achieved < 0.95 ? ", fewer rounds than a 95% interval needs" : "", r.rounds);
        s += line;
    }
    if (!r.tokens_equal) s += "WARNING: the two kernel sets generated different greedy tokens\n";
    return s;
}

nlohmann::json to_json(const AbResult& r) {
    nlohmann::json j = {{"workload", r.workload}, {"a", r.set_a},         {"b", r.set_b},
                        {"threads", r.threads},   {"rounds", r.rounds}, {"tokens_equal", r.tokens_equal}};
    for (const auto& m : r.metrics)
        j["metrics"].push_back({{"case", m.case_name},
                                {"metric", m.metric},
                                {"a", m.a},
                                {"b", m.b},
                                {"ratio_b_over_a", m.ratio.ratio},
                                {"ci_low", m.ratio.ci.low},
                                {"ci_high", m.ratio.ci.high},
                                {"ci_coverage", m.ratio.ci.achieved}});
    return j;
}

}  // namespace lmh::bench
