#include "verify/report.h"

#include "verify/batch_check.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "util/number_format.h"

namespace lmh::verify {
namespace {

std::string where(const TensorCheck& t, const Diff& d, int first_position) {
    const int pos = first_position + static_cast<int>(d.worst / static_cast<std::size_t>(t.cols));
    const int col = static_cast<int>(d.worst % static_cast<std::size_t>(t.cols));
    char buf[256];
    if (!d.finite_ok()) {
        const int p2 = first_position + static_cast<int>(d.first_nonfinite / static_cast<std::size_t>(t.cols));
        std::snprintf(buf, sizeof buf, "prompt '%s' position %d: %zu non-finite or unwritten elements", t.prompt.c_str(), p2,
                      d.nonfinite);
    } else {
        std::snprintf(buf, sizeof buf, "prompt '%s' position %d, element %d: got %.9g, reference %.9g", t.prompt.c_str(),
                      pos, col, static_cast<double>(d.worst_value), static_cast<double>(d.worst_reference));
    }
    return buf;
}

}  // namespace

std::string failure_location(const TensorCheck& t, bool local) {
    return local ? where(t, t.local, t.local_first_position) : where(t, t.accumulated, t.first_position);
}

std::string summary_table(const std::vector<RunReport>& runs) {
    std::string s;
    char line[512];
    std::snprintf(line, sizeof line, "%-6s %-10s %3s %-7s %-34s %-9s %-9s %-9s %-9s %-8s %-6s %s\n", "model", "kernels", "thr",
                  "verdict", "worst accumulated (tensor NMSE)", "local", "dec/pre", "KLD", "same-top", "greedy", "det", "time");
    s += line;
    for (const auto& r : runs) {
        std::string greedy = !r.greedy.checked ? "-"
                             : r.greedy.first_divergent < 0
                                 ? std::to_string(r.greedy.n_tokens) + "/" + std::to_string(r.greedy.n_tokens)
                                 : "div@" + std::to_string(r.greedy.first_divergent) + (r.greedy.excused ? "*" : "");
        std::snprintf(line, sizeof line, "%-6s %-10s %3d %-7s %-24s %9.2e %9.2e %9.2e %9.2e %8.2f%% %-8s %-6s %.1fs\n",
                      r.model.c_str(), r.kernel_spec.empty() ? "default" : r.kernel_spec.c_str(), r.threads,
                      r.ok ? "ok" : "FAIL", r.worst_accumulated_tensor.c_str(), r.worst_accumulated_nmse, r.worst_local_nmse,
                      r.decode_vs_prefill_nmse, r.kld.mean, r.kld.same_top_percent, greedy.c_str(),
                      !r.deterministic_checked ? "-" : r.deterministic ? "same" : "DIFF", r.seconds);
        s += line;
    }
    return s;
}

std::string batch_summary(const BatchCheck& b) {
    return "logits NMSE " + format_number("%.3e", b.nmse) + " against solo (budget " + format_number("%.0e", b.budget_nmse) + "), " +
           (b.bitwise ? "bitwise equal" : "not bitwise equal") + (b.claimed ? " (registry: batch-invariant)" : "") +
           (!b.greedy_checked ? "" : b.greedy_same ? ", same greedy tokens" : ", greedy tokens DIFFER");
}

std::string failure_details(const RunReport& r) {
    std::string s;
    const Budgets& b = r.budgets;
    if (r.first_local_failure >= 0) {
        const TensorCheck& t = r.tensors[static_cast<std::size_t>(r.first_local_failure)];
        s += "  first local failure:       " + t.tensor + " (" +
             (t.local_elementwise ? std::to_string(t.local_not_close) + " elements outside rtol/atol"
                                  : "NMSE " + format_number("%.3e", t.local_nmse) + " > " + format_number("%.0e", b.local_nmse_reduction)) +
             ") at " + where(t, t.local, t.local_first_position) + "\n";
    }
    if (r.first_accumulated_failure >= 0) {
        const TensorCheck& t = r.tensors[static_cast<std::size_t>(r.first_accumulated_failure)];
        s += "  first accumulated failure: " + t.tensor + " (NMSE " + format_number("%.3e", t.accumulated.nmse) + " > " +
             format_number("%.0e", b.accumulated_nmse) + ") at " + where(t, t.accumulated, t.first_position) + "\n";
    }
    if (!r.decode_ok)
        s += "  decode through the KV cache differs from prefill: NMSE " + format_number("%.3e", r.decode_vs_prefill_nmse) + "\n";
    if (r.kld.checked && !r.kld.ok)
        s += "  next-token distribution: mean KLD " + format_number("%.3e", r.kld.mean) + ", " + std::to_string(r.kld.top_flips) +
             " top-token flips\n";
    if (r.greedy.checked && !r.greedy.ok)
        s += "  greedy tokens diverge from the reference at token " + std::to_string(r.greedy.first_divergent) + " (" +
             std::to_string(r.greedy.divergent_positions) + " of " + std::to_string(r.greedy.n_tokens) + " differ)\n";
    if (r.deterministic_checked && !r.deterministic) s += "  logits are not bitwise identical to the 1-thread run\n";
    if (r.batch.checked && !r.batch.ok) s += "  batch of " + std::to_string(r.batch.size) + ": " + batch_summary(r.batch) + "\n";
    return s;
}

std::string tensor_table(const RunReport& r) {
    struct Worst {
        double local = -1, acc = 0;
        bool local_ok = true, acc_ok = true, elementwise = false;
    };
    std::vector<std::string> order;
    std::map<std::string, Worst> worst;
    for (const auto& t : r.tensors) {
        if (!worst.count(t.tensor)) order.push_back(t.tensor);
        Worst& w = worst[t.tensor];
        w.acc = std::max(w.acc, t.accumulated.nmse);
        w.acc_ok = w.acc_ok && t.accumulated_ok;
        if (t.local_checked) {
            w.local = std::max(w.local, t.local_nmse);
            w.local_ok = w.local_ok && t.local_ok;
            w.elementwise = t.local_elementwise;
        }
    }
    const Budgets& b = r.budgets;
    std::string s;
    char line[256];
    std::snprintf(line, sizeof line, "  %-22s %12s %12s  %-22s %s\n", "tensor", "local NMSE", "accum NMSE", "budget (local/accum)",
                  "verdict");
    s += line;
    for (const auto& name : order) {
        const Worst& w = worst[name];
        const std::string budget = (w.elementwise ? std::string("allclose") : format_number("%.0e", b.local_nmse_reduction)) + " / " +
                                   format_number("%.0e", b.accumulated_nmse);
        std::snprintf(line, sizeof line, "  %-22s %12s %12.3e  %-22s %s\n", name.c_str(),
                      w.local < 0 ? "-" : format_number("%.3e", w.local).c_str(), w.acc, budget.c_str(),
                      !w.local_ok ? "LOCAL FAIL" : !w.acc_ok ? "ACCUM FAIL" : "ok");
        s += line;
    }
    return s;
}

std::string kld_block(const RunReport& r) {
    if (!r.kld.checked) return "";
    const KldStats& k = r.kld;
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "  KLD%s over %d held-text positions: mean %.3e ± %.3e, median %.3e, p99 %.3e, p99.9 %.3e, max %.3e\n"
                  "  same top token %.2f%% (%d near-tie flips excused), RMS Δp(top) %.3e, perplexity ref %.4f / variant "
                  "%.4f (ratio %.6f)\n",
                  k.topk ? (" (top-" + std::to_string(k.topk) + " + tail bucket, a lower bound)").c_str() : "",
                  k.positions, k.mean, k.stddev, k.median, k.p99, k.p999, k.max, k.same_top_percent, k.top_flips_excused,
                  k.rms_dp_top, k.ppl_reference, k.ppl_variant, k.ppl_reference > 0 ? k.ppl_variant / k.ppl_reference : 0.0);
    std::string s = buf;
    if (r.greedy.checked)
        s += "  greedy: " +
             (r.greedy.first_divergent < 0 ? std::string("all ") + std::to_string(r.greedy.n_tokens) + " tokens match"
                                           : "first divergent token " + std::to_string(r.greedy.first_divergent) + ", " +
                                                 std::to_string(r.greedy.divergent_positions) + " positions differ" +
                                                 (r.greedy.excused ? " (at a reference near-tie: excused)" : "")) +
             "\n";
    return s;
}

nlohmann::json to_json(const RunReport& r) {
    using nlohmann::json;
    json j;
    j["model"] = r.model;
    j["kernel_spec"] = r.kernel_spec;
    j["kernels"] = r.kernels;
    j["threads"] = r.threads;
    j["injection"] = r.injection;
    j["ok"] = r.ok;
    j["seconds"] = r.seconds;
    j["worst_accumulated"] = {{"tensor", r.worst_accumulated_tensor}, {"nmse", finite_or_null(r.worst_accumulated_nmse)}};
    j["worst_local"] = {{"tensor", r.worst_local_tensor}, {"nmse", finite_or_null(r.worst_local_nmse)}};
    j["first_accumulated_failure"] = r.first_accumulated_failure < 0 ? json(nullptr)
                                                                      : json(r.tensors[static_cast<std::size_t>(r.first_accumulated_failure)].tensor);
    j["first_local_failure"] = r.first_local_failure < 0 ? json(nullptr)
                                                          : json(r.tensors[static_cast<std::size_t>(r.first_local_failure)].tensor);
    if (r.first_local_failure >= 0) {
        const TensorCheck& t = r.tensors[static_cast<std::size_t>(r.first_local_failure)];
        j["first_local_failure_at"] = {
            {"prompt", t.prompt},
            {"position", t.local_first_position + static_cast<int>(t.local.worst / static_cast<std::size_t>(t.cols))}};
    }
    j["decode_vs_prefill_nmse"] = finite_or_null(r.decode_vs_prefill_nmse);
    j["decode_ok"] = r.decode_ok;
    j["budgets"] = {{"accumulated_nmse", r.budgets.accumulated_nmse}, {"local_nmse_reduction", r.budgets.local_nmse_reduction}};
    j["weight_fallbacks"] = r.weight_fallbacks;
    j["deterministic"] = r.deterministic_checked ? json(r.deterministic) : json(nullptr);
    if (r.kld.checked)
        j["kld"] = {{"positions", r.kld.positions},     {"mean", r.kld.mean},
                    {"topk", r.kld.topk},
                    {"stddev", r.kld.stddev},           {"median", r.kld.median},
                    {"p99", r.kld.p99},                 {"p999", r.kld.p999},
                    {"max", r.kld.max},                 {"same_top_percent", r.kld.same_top_percent},
                    {"top_flips", r.kld.top_flips},     {"top_flips_excused", r.kld.top_flips_excused},
                    {"rms_dp_top", r.kld.rms_dp_top},   {"ppl_reference", r.kld.ppl_reference},
                    {"ppl_variant", r.kld.ppl_variant}, {"ok", r.kld.ok}};
    if (r.batch.checked) {
        j["batch_invariant"] = r.batch.bitwise;
        j["batch"] = {{"size", r.batch.size},           {"rows", r.batch.rows},
                      {"nmse", finite_or_null(r.batch.nmse)},      {"budget_nmse", r.batch.budget_nmse},
                      {"bitwise", r.batch.bitwise},     {"registry_batch_invariant", r.batch.claimed},
                      {"greedy_same", r.batch.greedy_checked ? json(r.batch.greedy_same) : json(nullptr)},
                      {"ok", r.batch.ok}};
    }
    if (r.greedy.checked)
        j["greedy"] = {{"n_tokens", r.greedy.n_tokens},
                       {"first_divergent", r.greedy.first_divergent},
                       {"divergent_positions", r.greedy.divergent_positions},
                       {"excused", r.greedy.excused},
                       {"ok", r.greedy.ok}};
    for (const auto& t : r.tensors) {
        json tj = {{"prompt", t.prompt},
                   {"tensor", t.tensor},
                   {"accumulated_nmse", finite_or_null(t.accumulated.nmse)},
                   {"accumulated_max_abs", finite_or_null(t.accumulated.max_abs)},
                   {"accumulated_worst_index", t.accumulated.worst},
                   {"accumulated_ok", t.accumulated_ok}};
        if (t.local_checked) {
            tj["local_nmse"] = finite_or_null(t.local_nmse);
            tj["local_max_abs"] = finite_or_null(t.local.max_abs);
            tj["local_ok"] = t.local_ok;
        }
        j["tensors"].push_back(tj);
    }
    return j;
}

}  // namespace lmh::verify
