#include "report/markdown.h"

#include <cstdio>

#include "report/text_format.h"
#include "verify/report.h"

namespace lmh::report {
namespace {

std::string row(const std::vector<std::string>& cells) {
    std::string s = "|";
    for (const auto& c : cells) {
        s += ' ';
        s += md_cell(c);
        s += " |";
    }
    s += '\n';
    return s;
}

std::string header(const std::vector<std::string>& cells) {
    std::string s = row(cells) + "|";
    for (std::size_t i = 0; i < cells.size(); ++i) s += "---|";
    return s + "\n";
}

std::string machine_warning(const std::vector<std::string>& diffs) {
    if (diffs.empty()) return "";
    std::string s = "> **Warning: BASE and NEW were recorded on different machines**: the verdicts below compare the "
                    "machines, not the code.\n";
    for (const auto& d : diffs) s += "> - " + d + "\n";
    return s + "\n";
}

}  // namespace

std::string markdown_verify(const std::vector<verify::RunReport>& runs) {
    std::size_t failed = 0;
    for (const auto& r : runs) failed += r.ok ? 0 : 1;
    std::string s = "### lmharness verify: " +
                    (failed == 0 ? std::string("all ") + std::to_string(runs.size()) + " runs within budget"
                                 : std::to_string(failed) + " of " + std::to_string(runs.size()) + " runs FAILED") +
                    "\n\n";
    s += header({"model", "kernels", "threads", "verdict", "worst accumulated NMSE", "worst local NMSE", "decode vs prefill",
                 "mean KLD", "same top", "greedy", "deterministic", "time"});
    for (const auto& r : runs) {
        const std::string greedy = !r.greedy.checked             ? "-"
                                   : r.greedy.first_divergent < 0 ? std::to_string(r.greedy.n_tokens) + "/" +
                                                                        std::to_string(r.greedy.n_tokens)
                                                                  : "diverges at " + std::to_string(r.greedy.first_divergent);
        s += row({r.model, r.kernel_spec.empty() ? "default" : r.kernel_spec, std::to_string(r.threads),
                  r.ok ? "ok" : "**FAIL**", r.worst_accumulated_tensor + " " + format_number("%.2e", r.worst_accumulated_nmse),
                  r.worst_local_tensor + " " + format_number("%.2e", r.worst_local_nmse), format_number("%.2e", r.decode_vs_prefill_nmse),
                  r.kld.checked ? format_number("%.2e", r.kld.mean) : "-", r.kld.checked ? format_number("%.2f%%", r.kld.same_top_percent) : "-",
                  greedy, !r.deterministic_checked ? "-" : r.deterministic ? "yes" : "**no**", format_number("%.1f s", r.seconds)});
    }
    for (const auto& r : runs) {
        if (r.ok) continue;
        s += "\n**FAIL " + md_cell(r.model) + " " + md_cell(r.kernel_spec) + " " + std::to_string(r.threads) + " thread(s)**" +
             (r.injection.empty() ? "" : " (injected " + r.injection + ")") + "\n\n```\n" + verify::failure_details(r) + "```\n";
    }
    return s;
}

std::string markdown_compare(const bench::CompareReport& rep, const std::vector<std::string>& diffs,
                             const std::string& base_label, const std::string& new_label) {
    int slower = 0, faster = 0;
    for (const auto& c : rep.configs)
        for (const auto& m : c.metrics) {
            slower += m.verdict == bench::Verdict::slower;
            faster += m.verdict == bench::Verdict::faster;
        }
    std::string s = "### lmharness compare: " + std::to_string(slower) + " slower, " + std::to_string(faster) + " faster\n\n";
    s += "BASE: `" + base_label + "`  \nNEW: `" + new_label + "`\n\n" + machine_warning(diffs);
    s += header({"workload", "case", "kernels", "threads", "metric", "base median", "new median", "change (95% CI)", "p",
                 "verdict"});
    for (const auto& c : rep.configs)
        for (const auto& m : c.metrics) {
            const std::string verdict = bench::verdict_name(m.verdict);
            s += row({c.workload, c.case_name, c.kernels, std::to_string(c.threads), m.metric,
                      format_number("%.6g", m.base_median) + " " + m.unit, format_number("%.6g", m.new_median) + " " + m.unit,
                      format_number("%+.1f%%", m.shift_pct) + " (" + format_number("%+.1f", m.ci_low_pct) + ".." + format_number("%+.1f%%", m.ci_high_pct) + ")",
                      format_number("%.3g", m.p), m.verdict == bench::Verdict::slower ? "**" + verdict + "**" : verdict});
        }
    if (!rep.only_in_base.empty() || !rep.only_in_new.empty()) {
        s += "\n";
        for (const auto& k : rep.only_in_base) s += "- only in BASE: `" + k + "`\n";
        for (const auto& k : rep.only_in_new) s += "- only in NEW: `" + k + "`\n";
    }
    s += "\nA change is called only when Mann-Whitney p < " + format_number("%g", rep.options.alpha) +
         " and the whole interval lies beyond ±" + format_number("%g", rep.options.threshold_pct) + "%.\n";
    return s;
}

std::string markdown_window_checks(const std::vector<bench::WindowCheck>& checks, const std::string& new_label) {
    std::size_t regressions = 0;
    for (const auto& c : checks) regressions += c.regression;
    std::string s = "### lmharness compare --db: " + std::to_string(regressions) + " regression(s)\n\nNEW: `" + new_label + "`\n\n";
    s += header({"configuration", "metric", "window", "window median", "new median", "change", "robust z", "verdict"});
    for (const auto& c : checks)
        s += row({c.configuration, c.metric, std::to_string(c.window_size), format_number("%.6g", c.window_median), format_number("%.6g", c.new_median),
                  format_number("%+.1f%%", c.shift_pct), format_number("%.2f", c.z),
                  c.window_size < bench::kMinWindow ? "too few records"
                  : c.regression                    ? "**regression**"
                  : c.flagged                       ? "improvement"
                                                    : "same"});
    return s;
}

std::string markdown_bench(const bench::BenchFile& file) {
    std::string s = "### lmharness bench: " + std::to_string(file.records.size()) + " configurations\n\n";
    s += header({"workload", "case", "kernels", "threads", "decode tok/s", "prefill tok/s", "TTFT ms", "n", "warnings"});
    auto cell = [](const bench::BenchRecord& r, const char* metric) {
        const auto it = r.metrics.find(metric);
        return it == r.metrics.end() ? std::string("-") : format_number("%.1f", it->second.median) + " ± " + format_number("%.1f", it->second.stddev);
    };
    bool mismatch = false;
    for (const auto& r : file.records) {
        mismatch = mismatch || r.token_mismatch;
        s += row({r.workload, r.case_name, r.kernels, std::to_string(r.threads), cell(r, "decode_tokens_per_second"),
                  cell(r, "prefill_tokens_per_second"), cell(r, "ttft_ms"), std::to_string(r.repetitions),
                  (r.token_mismatch ? "**TOKEN MISMATCH** " : "") + std::to_string(r.warnings.size())});
    }
    s += "\nMedians ± standard deviation of the repetitions.";
    if (mismatch) s += " **A configuration generated different greedy tokens than naive: its speed is not comparable.**";
    return s + "\n";
}

}  // namespace lmh::report
