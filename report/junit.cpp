#include "report/junit.h"

#include <cstdio>

#include "report/text_format.h"
#include "verify/report.h"

namespace lmh::report {
namespace {

struct Counts {
    std::size_t tests = 0, failures = 0, skipped = 0;
    double seconds = 0;
};

Counts count(const JUnitSuite& s) {
    Counts c;
    c.tests = s.cases.size();
    c.seconds = s.seconds;
    for (const auto& k : s.cases) {
        c.failures += k.failure_message ? 1 : 0;
        c.skipped += k.skipped && !k.failure_message ? 1 : 0;
    }
    return c;
}

std::string counts_attrs(const Counts& c) {
    return " tests=\"" + std::to_string(c.tests) + "\" failures=\"" + std::to_string(c.failures) + "\" errors=\"0\" skipped=\"" +
           std::to_string(c.skipped) + "\" time=\"" + format_number("%.3f", c.seconds) + "\"";
}

JUnitCase make_case(std::string classname, std::string name) {
    JUnitCase c;
    c.classname = std::move(classname);
    c.name = std::move(name);
    return c;
}

void fail(JUnitCase& c, std::string type, std::string message, std::string text = {}) {
    c.failure_type = std::move(type);
    c.failure_message = std::move(message);
    c.failure_text = std::move(text);
}

// The first failing tensor of a run, with its values: what a reader of the CI page needs first.
std::string tensor_failure(const verify::RunReport& r, int index, bool local) {
    const verify::TensorCheck& t = r.tensors[static_cast<std::size_t>(index)];
    std::string what;
    if (!local)
        what = "NMSE " + format_number("%.3e", t.accumulated.nmse) + " > " + format_number("%.0e", r.budgets.accumulated_nmse);
    else if (t.local_elementwise)
        what = std::to_string(t.local_not_close) + " elements outside rtol/atol";
    else
        what = "NMSE " + format_number("%.3e", t.local_nmse) + " > " + format_number("%.0e", r.budgets.local_nmse_reduction);
    return t.tensor + " (" + what + ") at " + verify::failure_location(t, local);
}

}  // namespace

std::string junit_xml(const std::string& name, const std::vector<JUnitSuite>& suites) {
    Counts total;
    for (const auto& s : suites) {
        const Counts c = count(s);
        total.tests += c.tests;
        total.failures += c.failures;
        total.skipped += c.skipped;
        total.seconds += c.seconds;
    }
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += "<testsuites name=\"" + xml_escape(name) + "\"" + counts_attrs(total) + ">\n";
    for (const auto& s : suites) {
        x += "  <testsuite name=\"" + xml_escape(s.name) + "\"" + counts_attrs(count(s));
        if (!s.timestamp.empty()) x += " timestamp=\"" + xml_escape(s.timestamp) + "\"";
        x += ">\n";
        if (!s.properties.empty()) {
            x += "    <properties>\n";
            for (const auto& [k, v] : s.properties)
                x += "      <property name=\"" + xml_escape(k) + "\" value=\"" + xml_escape(v) + "\"/>\n";
            x += "    </properties>\n";
        }
        for (const auto& c : s.cases) {
            x += "    <testcase name=\"" + xml_escape(c.name) + "\" classname=\"" + xml_escape(c.classname) + "\" time=\"" +
                 format_number("%.3f", c.seconds) + "\"";
            if (c.failure_message) {
                x += ">\n      <failure message=\"" + xml_escape(*c.failure_message) + "\" type=\"" + xml_escape(c.failure_type) +
                     "\">" + xml_escape(c.failure_text) + "</failure>\n    </testcase>\n";
            } else if (c.skipped) {
                x += ">\n      <skipped message=\"" + xml_escape(*c.skipped) + "\"/>\n    </testcase>\n";
            } else {
                x += "/>\n";
            }
        }
        x += "  </testsuite>\n";
    }
    x += "</testsuites>\n";
    return x;
}

std::vector<JUnitSuite> junit_verify(const std::vector<verify::RunReport>& runs, const std::string& timestamp) {
    std::vector<JUnitSuite> suites;
    for (const auto& r : runs) {
        const std::string spec = r.kernel_spec.empty() ? "default" : r.kernel_spec;
        JUnitSuite s;
        s.name = "verify " + r.model + " " + spec + " " + std::to_string(r.threads) + (r.threads == 1 ? " thread" : " threads");
        s.seconds = r.seconds;
        s.timestamp = timestamp;
        s.properties = {{"model", r.model},
                        {"kernel_set", spec},
                        {"kernels_resolved", r.kernels},
                        {"threads", std::to_string(r.threads)},
                        {"worst_accumulated", r.worst_accumulated_tensor + " " + format_number("%.3e", r.worst_accumulated_nmse)},
                        {"worst_local", r.worst_local_tensor + " " + format_number("%.3e", r.worst_local_nmse)}};
        if (!r.injection.empty()) s.properties.emplace_back("injection", r.injection);
        const std::string cls = "verify." + r.model + "." + spec + ".t" + std::to_string(r.threads);

        JUnitCase acc = make_case(cls, "accumulated_error");
        if (r.first_accumulated_failure >= 0)
            fail(acc, "accumulated_nmse", tensor_failure(r, r.first_accumulated_failure, false), verify::failure_details(r));
        s.cases.push_back(acc);

        JUnitCase loc = make_case(cls, "local_error");
        bool any_local = false;
        for (const auto& t : r.tensors) any_local = any_local || t.local_checked;
        if (!any_local) loc.skipped = "local errors not computed (--no-local)";
        else if (r.first_local_failure >= 0)
            fail(loc, "local_error", tensor_failure(r, r.first_local_failure, true), verify::failure_details(r));
        s.cases.push_back(loc);

        JUnitCase dec = make_case(cls, "prefill_vs_decode");
        if (!r.decode_ok)
            fail(dec, "decode_vs_prefill_nmse",
                 "decode through the KV cache differs from prefill: logits NMSE " + format_number("%.3e", r.decode_vs_prefill_nmse) + " > " +
                     format_number("%.0e", r.budgets.decode_vs_prefill_nmse));
        s.cases.push_back(dec);

        JUnitCase kld = make_case(cls, "next_token_kld");
        if (!r.kld.checked) kld.skipped = "no held text for this model";
        else if (!r.kld.ok)
            fail(kld, "kld",
                 "mean KLD " + format_number("%.3e", r.kld.mean) + " (budget " + format_number("%.0e", r.budgets.mean_kld) + "), " +
                     std::to_string(r.kld.top_flips) + " top-token flips, same top token " +
                     format_number("%.2f", r.kld.same_top_percent) + "%");
        s.cases.push_back(kld);

        JUnitCase greedy = make_case(cls, "greedy_tokens");
        if (!r.greedy.checked) greedy.skipped = "no greedy continuation in the references";
        else if (!r.greedy.ok)
            fail(greedy, "greedy_tokens",
                 "greedy tokens diverge from the reference at token " + std::to_string(r.greedy.first_divergent) + " (" +
                     std::to_string(r.greedy.divergent_positions) + " of " + std::to_string(r.greedy.n_tokens) + " differ)");
        s.cases.push_back(greedy);

        JUnitCase det = make_case(cls, "determinism");
        if (!r.deterministic_checked) det.skipped = "first thread count of this kernel set: nothing to compare with";
        else if (!r.deterministic) fail(det, "determinism", "logits are not bitwise identical to the first thread count's");
        s.cases.push_back(det);
        suites.push_back(std::move(s));
    }
    return suites;
}

std::vector<JUnitSuite> junit_compare(const bench::CompareReport& rep, const std::vector<std::string>& machine_differences) {
    std::vector<JUnitSuite> suites;
    JUnitSuite machine;
    machine.name = "compare machine";
    JUnitCase same = make_case("compare.machine", "same_machine");
    if (!machine_differences.empty()) {
        std::string why;
        for (const auto& d : machine_differences) why += (why.empty() ? "" : "; ") + d;
        fail(same, "machine_mismatch", "BASE and NEW were recorded on different machines: " + why,
             "Timing verdicts between different machines compare the machines, not the code.");
    }
    machine.cases.push_back(same);
    suites.push_back(std::move(machine));

    for (const auto& c : rep.configs) {
        JUnitSuite s;
        s.name = "compare " + c.key();
        s.properties = {{"workload", c.workload}, {"case", c.case_name}, {"kernels", c.kernels},
                        {"threads", std::to_string(c.threads)}, {"threshold_pct", format_number("%g", rep.options.threshold_pct)},
                        {"alpha", format_number("%g", rep.options.alpha)}};
        const std::string cls = "compare." + c.workload + "." + c.case_name + "." + c.kernels + ".t" + std::to_string(c.threads);
        for (const auto& m : c.metrics) {
            JUnitCase k = make_case(cls, m.metric);
            const std::string figures = "base median " + format_number("%.6g", m.base_median) + " " + m.unit + ", new " +
                                        format_number("%.6g", m.new_median) + " " + m.unit + ", shift " + format_number("%+.1f", m.shift_pct) +
                                        "% (95% CI " + format_number("%+.1f", m.ci_low_pct) + ".." + format_number("%+.1f", m.ci_high_pct) +
                                        "%), p=" + format_number("%.3g", m.p);
            if (m.verdict == bench::Verdict::slower) fail(k, "regression", "slower: " + figures);
            else if (m.verdict == bench::Verdict::cannot_tell)
                k.skipped = "cannot tell: " + std::to_string(m.n_base) + "+" + std::to_string(m.n_new) +
                            " samples cannot reach alpha; use at least " + std::to_string(m.need_repetitions) + " repetitions";
            s.cases.push_back(k);
        }
        JUnitCase tokens = make_case(cls, "tokens");
        if (c.new_token_mismatch) fail(tokens, "token_mismatch", "NEW: repetitions produced different greedy tokens");
        else if (c.tokens_differ) fail(tokens, "tokens_differ", "NEW generated different greedy tokens than BASE");
        s.cases.push_back(tokens);
        suites.push_back(std::move(s));
    }
    if (!rep.only_in_base.empty()) {
        JUnitSuite gone;
        gone.name = "compare configurations only in BASE";
        for (const auto& k : rep.only_in_base) {
            JUnitCase c = make_case("compare.unmatched", k);
            c.skipped = "only in BASE: not measured in NEW";
            gone.cases.push_back(c);
        }
        suites.push_back(std::move(gone));
    }
    return suites;
}

std::vector<JUnitSuite> junit_window_checks(const std::vector<bench::WindowCheck>& checks) {
    std::vector<JUnitSuite> suites;
    for (const auto& w : checks) {
        if (suites.empty() || suites.back().name != "compare --db " + w.configuration) {
            JUnitSuite s;
            s.name = "compare --db " + w.configuration;
            suites.push_back(std::move(s));
        }
        JUnitCase k = make_case("compare_db." + w.configuration, w.metric);
        if (w.window_size < bench::kMinWindow)
            k.skipped = "history window holds " + std::to_string(w.window_size) + " records, " +
                        std::to_string(bench::kMinWindow) + " needed";
        else if (w.regression)
            fail(k, "regression",
                 "new median " + format_number("%.6g", w.new_median) + " vs window median " + format_number("%.6g", w.window_median) + " (" +
                     format_number("%+.1f", w.shift_pct) + "%, robust z " + format_number("%.2f", w.z) + ")");
        suites.back().cases.push_back(k);
    }
    return suites;
}

}  // namespace lmh::report
