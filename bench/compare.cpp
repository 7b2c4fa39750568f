#include "bench/compare.h"

#include <cmath>
#include <cstdio>
#include <map>

#include "bench/stats.h"
#include "util/number_format.h"

namespace lmh::bench {
namespace {

std::string pad(std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
}

std::string rpad(const std::string& s, std::size_t width) {
    return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

std::string value(double v) {
    if (std::fabs(v) >= 1000) return format_number("%.0f", v);
    if (std::fabs(v) >= 10) return format_number("%.2f", v);
    return format_number("%.3f", v);
}

std::string verdict_text(const MetricComparison& m) {
    if (m.verdict == Verdict::cannot_tell)
        return "cannot tell (need >= " + std::to_string(m.need_repetitions) + " repetitions)";
    if (m.verdict == Verdict::same) return "same (within noise)";
    return verdict_name(m.verdict);
}

}  // namespace

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::faster: return "faster";
        case Verdict::slower: return "slower";
        case Verdict::same: return "same";
        case Verdict::cannot_tell: return "cannot tell";
    }
    return "?";
}

MetricComparison compare_samples(const std::string& metric, const MetricSummary& kind, const std::vector<double>& base,
                                 const std::vector<double>& neu, const CompareOptions& opt) {
    MetricComparison c;
    c.metric = metric;
    c.unit = kind.unit;
    c.higher_is_better = kind.higher_is_better;
    c.n_base = base.size();
    c.n_new = neu.size();
    c.base_median = median(base);
    c.new_median = median(neu);
    const double confidence = 1.0 - opt.alpha;
    const ShiftEstimate hl = hodges_lehmann(base, neu, confidence);
    const MannWhitney mw = mann_whitney(base, neu);
    c.p = mw.p;
    c.exact_p = mw.exact;
    c.ci_confidence = hl.ci.achieved;
    // A zero base median (a series that measured nothing) has no meaningful percentage.
    const double scale = c.base_median != 0 ? 100.0 / c.base_median : NAN;
    c.ratio = c.base_median != 0 ? c.new_median / c.base_median : NAN;
    c.shift_pct = hl.estimate * scale;
    c.ci_low_pct = hl.ci.low * scale;
    c.ci_high_pct = hl.ci.high * scale;
    if (min_two_sided_p(base.size(), neu.size()) >= opt.alpha) {
        c.verdict = Verdict::cannot_tell;
        c.need_repetitions = min_repetitions_for(opt.alpha);
        return c;
    }
    const bool beyond = c.ci_low_pct > opt.threshold_pct || c.ci_high_pct < -opt.threshold_pct;
    if (c.p < opt.alpha && beyond) {
        const bool went_up = c.shift_pct > 0;
        c.verdict = went_up == c.higher_is_better ? Verdict::faster : Verdict::slower;
    } else {
        c.verdict = Verdict::same;
    }
    return c;
}

CompareReport compare_files(const BenchFile& base, const BenchFile& neu, const CompareOptions& opt) {
    CompareReport rep;
    rep.options = opt;
    std::map<std::string, const BenchRecord*> base_by_key;
    for (const auto& r : base.records) base_by_key[r.key()] = &r;
    std::map<std::string, bool> matched;
    for (const auto& n : neu.records) {
        const auto it = base_by_key.find(n.key());
        if (it == base_by_key.end()) {
            rep.only_in_new.push_back(n.key());
            continue;
        }
        matched[n.key()] = true;
        const BenchRecord& b = *it->second;
        ConfigComparison cc;
        cc.config() = n.config();
        cc.base_token_mismatch = b.token_mismatch;
        cc.new_token_mismatch = n.token_mismatch;
        cc.tokens_differ = !b.tokens_hash.empty() && !n.tokens_hash.empty() && b.tokens_hash != n.tokens_hash;
        for (const auto& [metric, nsamples] : n.samples) {
            const auto bs = b.samples.find(metric);
            if (bs == b.samples.end()) {
                cc.notes.push_back("metric " + metric + " only in NEW");
                continue;
            }
            const auto km = n.metrics.find(metric);
            const MetricSummary kind = km != n.metrics.end() ? km->second : metric_kind(metric);
            cc.metrics.push_back(compare_samples(metric, kind, bs->second, nsamples, opt));
        }
        for (const auto& [metric, _] : b.samples)
            if (!n.samples.count(metric)) cc.notes.push_back("metric " + metric + " only in BASE");
        for (const auto& w : b.warnings) cc.notes.push_back("BASE warning: " + w);
        for (const auto& w : n.warnings) cc.notes.push_back("NEW warning: " + w);
        rep.configs.push_back(std::move(cc));
    }
    for (const auto& r : base.records)
        if (!matched.count(r.key())) rep.only_in_base.push_back(r.key());
    return rep;
}

bool is_main_metric(const std::string& metric) {
    return metric == "decode_tokens_per_second" || metric == "prefill_tokens_per_second";
}

bool has_regression(const CompareReport& r) {
    for (const auto& c : r.configs)
        for (const auto& m : c.metrics)
            if (m.verdict == Verdict::slower) return true;
    return false;
}

bool has_inconclusive_main_metric(const CompareReport& r) {
    for (const auto& c : r.configs)
        for (const auto& m : c.metrics)
            if (m.verdict == Verdict::cannot_tell && is_main_metric(m.metric)) return true;
    return false;
}

std::string format_report(const CompareReport& r) {
    std::string out;
    const int ci_pct = static_cast<int>(std::lround((1.0 - r.options.alpha) * 100));
    int faster = 0, slower = 0, same = 0, unknown = 0;
    for (const auto& c : r.configs) {
        std::size_t nb = 0, nn = 0;
        for (const auto& m : c.metrics) nb = std::max(nb, m.n_base), nn = std::max(nn, m.n_new);
        out += c.heading() + "   (" + std::to_string(nb) + " vs " + std::to_string(nn) + " samples)\n";
        out += "  " + pad("metric", 27) + rpad("base", 10) + rpad("new", 10) + rpad("new/base", 10) + "   " +
               pad("shift [" + std::to_string(ci_pct) + "% CI]", 28) + rpad("p", 8) + "  verdict\n";
        for (const auto& m : c.metrics) {
            const std::string shift = format_number("%+.1f%%", m.shift_pct) + " [" + format_number("%+.1f%%", m.ci_low_pct) + ", " +
                                      format_number("%+.1f%%", m.ci_high_pct) + "]";
            out += "  " + pad(m.metric, 27) + rpad(value(m.base_median), 10) + rpad(value(m.new_median), 10) +
                   rpad(format_number("%.3f", m.ratio), 10) + "   " + pad(shift, 28) + rpad(format_number("%.4f", m.p), 8) + "  " +
                   verdict_text(m) + "\n";
            switch (m.verdict) {
                case Verdict::faster: ++faster; break;
                case Verdict::slower: ++slower; break;
                case Verdict::same: ++same; break;
                case Verdict::cannot_tell: ++unknown; break;
            }
        }
        if (c.base_token_mismatch) out += "  WARNING: token_mismatch in BASE: its repetitions produced different tokens\n";
        if (c.new_token_mismatch) out += "  WARNING: token_mismatch in NEW: its repetitions produced different tokens\n";
        if (c.tokens_differ) out += "  WARNING: generated tokens differ between BASE and NEW (tokens_hash)\n";
        for (const auto& n : c.notes) out += "  note: " + n + "\n";
        out += "\n";
    }
    for (const auto& k : r.only_in_base) out += "only in BASE (not compared): " + k + "\n";
    for (const auto& k : r.only_in_new) out += "only in NEW (not compared): " + k + "\n";
    if (!r.only_in_base.empty() || !r.only_in_new.empty()) out += "\n";
    out += "compare: " + std::to_string(r.configs.size()) + " configuration(s): " + std::to_string(faster) +
           " faster, " + std::to_string(slower) + " slower, " + std::to_string(same) + " same, " +
           std::to_string(unknown) + " cannot tell (threshold " + format_number("%g", r.options.threshold_pct) + "%, alpha " +
           format_number("%g", r.options.alpha) + ")\n";
    return out;
}

nlohmann::json to_json(const CompareReport& r) {
    nlohmann::json j;
    j["threshold_pct"] = r.options.threshold_pct;
    j["alpha"] = r.options.alpha;
    j["configurations"] = nlohmann::json::array();
    for (const auto& c : r.configs) {
        nlohmann::json cj = c;
        cj.update(to_json(c.config()));
        cj["metrics"] = nlohmann::json::array();
        for (const auto& m : c.metrics) {
            nlohmann::json mj = m;
            mj["verdict"] = verdict_name(m.verdict);
            cj["metrics"].push_back(std::move(mj));
        }
        j["configurations"].push_back(std::move(cj));
    }
    j["only_in_base"] = r.only_in_base;
    j["only_in_new"] = r.only_in_new;
    j["regression"] = has_regression(r);
    j["inconclusive"] = has_inconclusive_main_metric(r);
    return j;
}

WindowCheck check_against_window(const std::vector<double>& window, double new_median, bool higher_is_better,
                                 const CompareOptions& opt) {
    WindowCheck w;
    w.higher_is_better = higher_is_better;
    w.window_size = window.size();
    w.new_median = new_median;
    if (window.size() < kMinWindow) return w;
    w.window_median = median(window);
    w.window_mad = mad(window);
    w.z = robust_z(new_median, window);
    w.shift_pct = w.window_median != 0 ? (new_median - w.window_median) / w.window_median * 100.0 : 0.0;
    w.flagged = std::fabs(w.z) > kRobustZLimit && std::fabs(w.shift_pct) > opt.threshold_pct;
    w.regression = w.flagged && (w.shift_pct > 0) != higher_is_better;
    return w;
}

std::string format_window_checks(const std::vector<WindowCheck>& checks, const CompareOptions& opt) {
    std::string out = "  " + pad("configuration", 36) + pad("metric", 27) + rpad("window", 7) + rpad("median", 10) +
                      rpad("new", 10) + rpad("shift", 9) + rpad("z", 8) + "  verdict\n";
    int flagged = 0;
    for (const auto& c : checks) {
        std::string verdict;
        if (c.window_size < kMinWindow)
            verdict = "no history (need >= " + std::to_string(kMinWindow) + " earlier records)";
        else if (!c.flagged)
            verdict = "same (within history)";
        else
            verdict = (c.regression ? "SLOWER" : "FASTER") + std::string(" than history"), ++flagged;
        out += "  " + pad(c.configuration, 36) + pad(c.metric, 27) + rpad(std::to_string(c.window_size), 7) +
               rpad(c.window_size >= kMinWindow ? value(c.window_median) : "-", 10) + rpad(value(c.new_median), 10) +
               rpad(c.window_size >= kMinWindow ? format_number("%+.1f%%", c.shift_pct) : "-", 9) +
               rpad(c.window_size >= kMinWindow ? format_number("%.1f", c.z) : "-", 8) + "  " + verdict + "\n";
    }
    out += "compare --db: " + std::to_string(flagged) + " of " + std::to_string(checks.size()) +
           " metric(s) flagged (|z| > " + format_number("%g", kRobustZLimit) + " and shift beyond " +
           format_number("%g", opt.threshold_pct) + "%)\n";
    return out;
}

nlohmann::json to_json(const std::vector<WindowCheck>& checks) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& c : checks) j.push_back(c);
    return j;
}

}  // namespace lmh::bench
