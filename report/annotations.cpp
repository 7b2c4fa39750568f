#include "report/annotations.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "report/text_format.h"

namespace lmh::report {
namespace {

std::string command(const char* kind, const std::string& title, const std::string& message) {
    return std::string("::") + kind + " title=" + gha_escape(title, true) + "::" + gha_escape(message, false) + "\n";
}


}  // namespace

bool in_github_actions() {
    const char* v = std::getenv("GITHUB_ACTIONS");
    return v != nullptr && std::strcmp(v, "true") == 0;
}

std::string github_annotations_verify(const std::vector<verify::RunReport>& runs) {
    std::string s;
    for (const auto& r : runs) {
        if (r.ok) continue;
        const int first = r.first_local_failure >= 0 ? r.first_local_failure : r.first_accumulated_failure;
        std::string msg = "verify failed";
        if (first >= 0) {
            const auto& t = r.tensors[static_cast<std::size_t>(first)];
            msg += std::string(": first ") + (r.first_local_failure >= 0 ? "local" : "accumulated") + " failure " + t.tensor +
                   ", NMSE " + format_number("%.3e", r.first_local_failure >= 0 ? t.local_nmse : t.accumulated.nmse);
        } else if (!r.decode_ok) {
            msg += ": decode differs from prefill";
        } else if (r.greedy.checked && !r.greedy.ok) {
            msg += ": greedy tokens diverge at " + std::to_string(r.greedy.first_divergent);
        }
        s += command("error", "verify " + r.model + " " + r.kernel_spec + " " + std::to_string(r.threads) + "t", msg);
    }
    return s;
}

std::string github_annotations_compare(const bench::CompareReport& rep, const std::vector<std::string>& diffs) {
    std::string s;
    if (!diffs.empty()) {
        std::string why;
        for (const auto& d : diffs) why += (why.empty() ? "" : "; ") + d;
        s += command("warning", "benchmark machines differ", "BASE and NEW come from different machines (" + why +
                                                                 "): the verdicts compare machines, not code");
    }
    for (const auto& c : rep.configs) {
        const std::string key = c.workload + "/" + c.case_name + "/" + c.kernels + "/t" + std::to_string(c.threads);
        for (const auto& m : c.metrics)
            if (m.verdict == bench::Verdict::slower)
                s += command("error", "regression " + key,
                             m.metric + " " + format_number("%+.1f%%", m.shift_pct) + " (95% CI " + format_number("%+.1f", m.ci_low_pct) + ".." +
                                 format_number("%+.1f%%", m.ci_high_pct) + ", p=" + format_number("%.3g", m.p) + ")");
        if (c.tokens_differ || c.new_token_mismatch)
            s += command("error", "tokens changed " + key, "greedy tokens differ: the speed is not comparable");
    }
    return s;
}

std::string github_annotations_window_checks(const std::vector<bench::WindowCheck>& checks) {
    std::string s;
    for (const auto& c : checks)
        if (c.regression)
            s += command("error", "regression " + c.configuration,
                         c.metric + " " + format_number("%+.1f%%", c.shift_pct) + " against the history window (robust z " +
                             format_number("%.2f", c.z) + ")");
    return s;
}

}  // namespace lmh::report
