#include "report/site.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <regex>

#include "bench/compare.h"
#include "bench/fingerprint.h"
#include "util/number_format.h"
#include "util/provenance.h"
#include "util/sha256.h"
#include "verify/verifier.h"

namespace lmh::report {
namespace {

using nlohmann::json;

// The metrics the page charts and compares: the ones people read first.
const std::vector<std::string>& site_metrics() {
    static const std::vector<std::string> m{"decode_tokens_per_second", "prefill_tokens_per_second", "ttft_ms"};
    return m;
}


json comparison_json(const std::string& key, const bench::MetricComparison& m) {
    return {{"key", key},
            {"metric", m.metric},
            {"unit", m.unit},
            {"base_median", finite_or_null(m.base_median)},
            {"new_median", finite_or_null(m.new_median)},
            {"shift_pct", finite_or_null(m.shift_pct)},
            {"ci_low_pct", finite_or_null(m.ci_low_pct)},
            {"ci_high_pct", finite_or_null(m.ci_high_pct)},
            {"p", finite_or_null(m.p)},
            {"verdict", bench::verdict_name(m.verdict)}};
}

// Samples pooled per configuration, commit and metric, as history_series pools them.
using Pool = std::map<std::string, std::map<std::string, std::map<std::string, std::vector<double>>>>;

json compare_commits(const Pool& pool, const std::vector<std::string>& config_order, const std::string& base,
                     const std::string& neu) {
    json out = json::array();
    const bench::CompareOptions opt;
    for (const auto& key : config_order) {
        const auto& by_commit = pool.at(key);
        const auto b = by_commit.find(base), n = by_commit.find(neu);
        if (b == by_commit.end() || n == by_commit.end()) continue;
        for (const auto& metric : site_metrics()) {
            const auto bs = b->second.find(metric), ns = n->second.find(metric);
            if (bs == b->second.end() || ns == n->second.end()) continue;
            out.push_back(comparison_json(key, bench::compare_samples(metric, bench::metric_kind(metric), bs->second, ns->second, opt)));
        }
    }
    return out;
}

json machine_json(const std::string& id, const std::vector<bench::StoredRecord>& recs) {
    const bench::MachineFingerprint fp = bench::fingerprint_from_provenance(recs.back().provenance);
    json m{{"id", id}, {"describe", fp.describe()}, {"records", recs.size()}};
    std::vector<std::string> commits;  // labels, oldest first
    std::vector<std::string> config_order;
    Pool pool;
    for (const auto& s : recs) {
        const std::string c = short_commit(s.git_commit, s.git_dirty);
        if (std::find(commits.begin(), commits.end(), c) == commits.end()) commits.push_back(c);
        const std::string key = s.record.key();
        if (!pool.count(key)) config_order.push_back(key);
        for (const auto& [metric, v] : s.record.samples) {
            auto& dst = pool[key][c][metric];
            dst.insert(dst.end(), v.begin(), v.end());
        }
    }
    m["commits"] = commits;

    std::map<std::string, json> series;  // config key -> its charts
    for (const auto& metric : site_metrics()) {
        const bench::MetricSummary kind = bench::metric_kind(metric);
        for (const auto& s : bench::history_series(recs, metric)) {
            const std::string key = s.key();
            json& sj = series[key];
            sj["key"] = key;
            json rows = json::array();
            for (const auto& r : s.rows) rows.push_back(bench::to_json(r));
            sj["metrics"][metric] = {{"unit", kind.unit}, {"higher_is_better", kind.higher_is_better}, {"rows", rows}};
        }
    }
    m["series"] = json::array();
    for (const auto& key : config_order)
        if (series.count(key)) m["series"].push_back(series[key]);

    // Latest: each configuration's newest commit against the one before it.
    m["latest"] = json::array();
    for (const auto& key : config_order) {
        std::vector<std::string> have;
        for (const auto& c : commits)
            if (pool[key].count(c)) have.push_back(c);
        if (have.size() < 2) continue;
        for (auto& row : compare_commits(pool, {key}, have[have.size() - 2], have.back())) {
            row["base_commit"] = have[have.size() - 2];
            row["new_commit"] = have.back();
            m["latest"].push_back(row);
        }
    }
    // Compare view: every pair among the last kCompareCommits commits, older one as BASE.
    m["compare"] = json::object();
    const std::size_t first = commits.size() > kCompareCommits ? commits.size() - kCompareCommits : 0;
    for (std::size_t i = first; i < commits.size(); ++i)
        for (std::size_t j = i + 1; j < commits.size(); ++j)
            m["compare"][commits[i] + " " + commits[j]] = compare_commits(pool, config_order, commits[i], commits[j]);
    return m;
}

// verify --json's runs as heat maps: worst NMSE over the prompts per layer × op.
json verify_heatmaps(const json& report) {
    json out = json::array();
    if (!report.is_object() || !report.contains("runs") || !report["runs"].is_array()) return out;
    const auto& all_ops = verify::layer_tensor_names();
    static const std::regex layer_re(R"(layer(\d+)\.(\w+))");
    for (const auto& run : report["runs"]) {
        if (!run.is_object() || !run.contains("tensors") || !run["tensors"].is_array()) continue;
        std::map<int, std::map<std::string, std::pair<double, double>>> cells;  // layer -> op -> (local, acc), -1 = none
        std::map<int, std::map<std::string, std::pair<bool, bool>>> fails;
        json model_level = json::object();
        int layers = 0;
        for (const auto& t : run["tensors"]) {
            const std::string name = t.value("tensor", "");
            const double acc = t.contains("accumulated_nmse") && t["accumulated_nmse"].is_number() ? t["accumulated_nmse"].get<double>() : -1;
            const double loc = t.contains("local_nmse") && t["local_nmse"].is_number() ? t["local_nmse"].get<double>() : -1;
            const bool acc_fail = !t.value("accumulated_ok", true), loc_fail = !t.value("local_ok", true);
            std::smatch mt;
            if (std::regex_match(name, mt, layer_re)) {
                const int l = std::stoi(mt[1]);
                layers = std::max(layers, l + 1);
                auto& c = cells[l].try_emplace(mt[2], -1.0, -1.0).first->second;
                c.first = std::max(c.first, loc);
                c.second = std::max(c.second, acc);
                auto& f = fails[l][mt[2]];
                f.first = f.first || loc_fail;
                f.second = f.second || acc_fail;
            } else {
                json& e = model_level[name];
                if (!e.is_object()) e = json::object();
                e["local"] = std::max(e.value("local", -1.0), loc);
                e["accumulated"] = std::max(e.value("accumulated", -1.0), acc);
                e["local_fail"] = e.value("local_fail", false) || loc_fail;
                e["accumulated_fail"] = e.value("accumulated_fail", false) || acc_fail;
            }
        }
        // Columns: the per-layer tensors this model has, in forward order (q_norm/k_norm only
        // for qwen3-style models), so a model never shows empty columns of another family.
        std::vector<std::string> ops;
        for (const auto& op : all_ops)
            if (std::any_of(cells.begin(), cells.end(), [&](const auto& lc) { return lc.second.count(std::string(op)) > 0; }))
                ops.emplace_back(op);
        json local = json::array(), accumulated = json::array(), local_fail = json::array(), accumulated_fail = json::array();
        for (int l = 0; l < layers; ++l) {
            json lr = json::array(), ar = json::array(), lf = json::array(), af = json::array();
            for (const auto& op : ops) {
                const auto it = cells[l].find(op);
                lr.push_back(it == cells[l].end() || it->second.first < 0 ? json() : json(it->second.first));
                ar.push_back(it == cells[l].end() || it->second.second < 0 ? json() : json(it->second.second));
                lf.push_back(fails[l][op].first);
                af.push_back(fails[l][op].second);
            }
            local.push_back(lr);
            accumulated.push_back(ar);
            local_fail.push_back(lf);
            accumulated_fail.push_back(af);
        }
        const json budgets = run.contains("budgets") ? run["budgets"]
                                                      : json{{"accumulated_nmse", verify::kF32Budgets.accumulated_nmse},
                                                             {"local_nmse_reduction", verify::kF32Budgets.local_nmse_reduction}};
        const int threads = run.value("threads", 0);
        out.push_back({{"label", run.value("model", std::string("?")) + " " + run.value("kernel_spec", std::string()) + " " +
                                     std::to_string(threads) + (threads == 1 ? " thread" : " threads")},
                       {"ok", run.value("ok", false)},
                       {"layers", layers},
                       {"ops", ops},
                       {"local", local},
                       {"accumulated", accumulated},
                       {"local_fail", local_fail},
                       {"accumulated_fail", accumulated_fail},
                       {"model_level", model_level},
                       {"budgets", budgets}});
    }
    return out;
}

}  // namespace

std::vector<bench::StoredRecord> records_from_files(const std::vector<std::filesystem::path>& files) {
    std::vector<bench::StoredRecord> out;
    for (const auto& path : files) {
        const bench::BenchFile f = bench::read_bench_file(path);
        const std::string sha = sha256_file(path);
        const auto text = [&](const char* k, const std::string& fallback) {
            const auto it = f.provenance.find(k);
            return it != f.provenance.end() && it->is_string() && !it->get<std::string>().empty() ? it->get<std::string>() : fallback;
        };
        const auto dirty = f.provenance.find("git_dirty");
        for (const auto& r : f.records) {
            bench::StoredRecord s;
            s.git_commit = text("git_commit", "unknown");
            s.git_dirty = dirty != f.provenance.end() && dirty->is_boolean() && dirty->get<bool>();
            s.date = text("date", "");
            s.file_sha256 = sha;
            s.provenance = f.provenance;
            s.record = r;
            out.push_back(std::move(s));
        }
    }
    // Oldest first, as the database returns them.
    std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.date < b.date; });
    return out;
}

json site_data(const std::vector<bench::StoredRecord>& records, const json& verify_report, const std::string& title) {
    std::vector<std::string> order;
    std::map<std::string, std::vector<bench::StoredRecord>> by_machine;
    for (const auto& r : records) {
        const std::string id = bench::fingerprint_from_provenance(r.provenance).id();
        if (!by_machine.count(id)) order.push_back(id);
        by_machine[id].push_back(r);
    }
    json d{{"title", title}, {"generated", utc_now_iso8601()}, {"metrics", site_metrics()}, {"machines", json::array()}};
    for (const auto& id : order) d["machines"].push_back(machine_json(id, by_machine[id]));
    d["verify"] = verify_heatmaps(verify_report);
    return d;
}

}  // namespace lmh::report
