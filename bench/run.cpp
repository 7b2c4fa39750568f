#include "bench/run.h"

#include <algorithm>

#include "bench/history_db.h"
#include "bench/profile.h"
#include "kernels/registry.h"
#include "kernels/run_plan.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/lists.h"
#include "util/provenance.h"
#include "util/sha256.h"

namespace lmh::bench {

std::vector<std::string> parse_kernel_sets(const std::string& text) {
    // A per-op spec contains ',' itself: then sets are separated by ';' (or it is one set).
    const bool spec = text.find('=') != std::string::npos;
    const auto sets = text.empty() || text == "all" ? kernels::kernel_set_names() : split_list(text, spec ? ';' : ',');
    for (const auto& k : sets) (void)kernels::make_kernel_set_for(k, "--kernels");
    return sets;
}

int parse_warmup(const std::string& text) {
    if (text == "auto") return -1;
    const auto v = parse_int_list(text, "--warmup");
    if (v.size() != 1 || v[0] < 0 || v[0] > 10000) throw Error("--warmup: expected 'auto' or an integer >= 0");
    return v[0];
}

void parse_shard(const std::string& text, BenchOptions& o) {
    if (text.empty()) return;
    const auto slash = text.find('/');
    const auto parts = slash == std::string::npos
                           ? std::vector<int>{}
                           : parse_int_list(text.substr(0, slash) + "," + text.substr(slash + 1), "--shard");
    if (parts.size() != 2 || parts[1] < 1 || parts[0] < 1 || parts[0] > parts[1])
        throw Error("--shard: expected I/N with 1 <= I <= N, e.g. 2/4, got '" + text + "'");
    o.shard_index = parts[0] - 1;
    o.shard_count = parts[1];
}

BenchRun run(const RunAllOptions& o) {
    // Validate every workload before spending minutes on the first one.
    std::vector<Workload> ws;
    for (const auto& name : o.workloads) ws.push_back(Workload::load(name, o.workloads_dir));
    BenchRun out;
    out.json["schema"] = kBenchSchema;
    out.json["provenance"] = provenance_json();
    out.json["records"] = nlohmann::json::array();
    // The same plan run_workload follows: what it leaves out, and why, goes in the file too.
    for (const auto& sk : kernels::plan_runs(o.bench.kernel_sets, o.bench.threads, o.bench.skip_equivalent).skipped) {
        const std::string what = sk.set + " threads " + std::to_string(sk.threads);
        out.skipped.push_back(what + ": " + sk.reason);
        out.json["skipped"].push_back({{"run", what}, {"reason", sk.reason}});
    }
    for (const auto& w : ws) {
        for (auto& r : run_workload(w, o.bench, o.progress)) {
            out.records.push_back(r);
            out.json["records"].push_back(std::move(r));
        }
        out.json["workloads"][w.name] = {{"sha256", w.sha256}, {"content", w.content}};
        // Written after each workload, atomically: an interrupted run keeps what it finished.
        if (!o.json_path.empty()) write_json_atomic(o.json_path, out.json);
    }
    out.file = bench_file_from_json(out.json, o.json_path.empty() ? "bench run" : o.json_path);
    for (const auto& r : out.file.records) {
        for (const auto& w : r.warnings)
            if (std::find(out.warnings.begin(), out.warnings.end(), w) == out.warnings.end()) out.warnings.push_back(w);
        out.token_mismatch = out.token_mismatch || r.token_mismatch;
    }
    return out;
}

AbRun run_ab_all(const std::vector<std::string>& workloads, const std::vector<std::string>& sets,
                 const std::vector<int>& threads, int rounds,
                 const std::function<void(const Workload&, int threads)>& on_start,
                 const std::function<void(const AbResult&)>& on_result) {
    std::vector<Workload> ws;
    for (const auto& name : workloads) ws.push_back(Workload::load(name, "bench/workloads"));
    for (const auto& k : sets) (void)kernels::make_kernel_set_for(k, "--ab");
    AbRun out;
    out.json = {{"schema", "lmharness-ab/1"}, {"provenance", provenance_json()}};
    for (const auto& w : ws)
        for (int t : threads) {
            if (on_start) on_start(w, t);
            const auto r = run_ab(w, sets.at(0), sets.at(1), t, rounds, ".");
            if (on_result) on_result(r);
            out.tokens_equal = out.tokens_equal && r.tokens_equal;
            out.json["results"].push_back(to_json(r));
        }
    return out;
}

std::size_t append_to_history(const BenchRun& run, const std::string& db, const std::string& json_path) {
    ImportItem item;
    item.source = json_path.empty() ? "bench run " + run.json["provenance"].value("date", std::string()) : json_path;
    const std::string text = run.json.dump();
    item.sha256 = sha256_hex(std::as_bytes(std::span<const char>(text.data(), text.size())));
    item.file = bench_file_from_json(run.json, item.source);
    return HistoryDb(db, true).import({item}).records;
}

std::string run_text(const BenchRun& run, bool roofline, bool profile) {
    std::string s = bench_table(run.records);
    if (!run.skipped.empty()) {
        s += "\nnot run, equivalent to a run above (--every-run runs them):\n";
        for (const auto& k : run.skipped) s.append("  ").append(k).append("\n");
    }
    // Appended piece by piece: GCC 12 reports a false -Wrestrict on "literal" + std::string.
    if (roofline) s.append("\n").append(roofline_table(run.records));
    if (profile)
        for (const auto& r : run.records)
            if (r.contains("profile"))
                s.append("\n").append(profile_table(r["workload"].get<std::string>() + "/" + r["case"].get<std::string>() + " " +
                                              r["kernels"].get<std::string>() + " t" +
                                              std::to_string(r["threads"].get<int>()),
                                          r["profile"]));
    return s;
}

}  // namespace lmh::bench
