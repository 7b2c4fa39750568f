#include "bench/history_db.h"

#include <sqlite3.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>

#include "util/provenance.h"
#include "bench/stats.h"
#include "util/error.h"
#include "util/number_format.h"
#include "util/sha256.h"

namespace lmh::bench {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  file_sha256 TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  git_commit TEXT NOT NULL,
  git_dirty INTEGER NOT NULL,
  date TEXT NOT NULL,
  provenance TEXT NOT NULL);
CREATE TABLE records(
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  workload TEXT NOT NULL,
  case_name TEXT NOT NULL,
  kernels TEXT NOT NULL,
  threads INTEGER NOT NULL CHECK(threads >= 1),
  record TEXT NOT NULL);
CREATE INDEX records_config ON records(workload, case_name, kernels, threads);
CREATE TABLE samples(
  record_id INTEGER NOT NULL REFERENCES records(id),
  metric TEXT NOT NULL,
  idx INTEGER NOT NULL,
  value REAL NOT NULL CHECK(value >= 0),
  PRIMARY KEY(record_id, metric, idx));
)sql";

// A prepared statement, finalized on scope exit; errors name the database.
class Statement {
public:
    Statement(sqlite3* db, const std::string& db_path, const std::string& sql) : db_(db), db_path_(db_path) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) fail("prepare");
    }
    ~Statement() { sqlite3_finalize(st_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    void bind(int i, const std::string& s) { check(sqlite3_bind_text(st_, i, s.c_str(), -1, SQLITE_TRANSIENT)); }
    void bind(int i, std::int64_t v) { check(sqlite3_bind_int64(st_, i, v)); }
    void bind(int i, double v) { check(sqlite3_bind_double(st_, i, v)); }
    // true while rows come; false when done.
    bool step() {
        const int rc = sqlite3_step(st_);
        if (rc == SQLITE_ROW) return true;
        if (rc == SQLITE_DONE) return false;
        fail("step");
    }
    // Runs to completion and makes the statement reusable.
    void run() {
        while (step()) {
        }
        reset();
    }
    void reset() {
        sqlite3_reset(st_);
        sqlite3_clear_bindings(st_);
    }
    std::string text(int col) const {
        const auto* p = sqlite3_column_text(st_, col);
        return p ? reinterpret_cast<const char*>(p) : "";
    }
    std::int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
    double real(int col) const { return sqlite3_column_double(st_, col); }

private:
    void check(int rc) {
        if (rc != SQLITE_OK) fail("bind");
    }
    [[noreturn]] void fail(const char* what) const {
        throw Error(db_path_ + ": sqlite " + what + " failed: " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
    const std::string& db_path_;
    sqlite3_stmt* st_ = nullptr;
};

std::string json_string(const nlohmann::json& j, const char* key, const std::string& fallback) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() && !it->get<std::string>().empty() ? it->get<std::string>() : fallback;
}

}  // namespace

HistoryDb::HistoryDb(const std::filesystem::path& path, bool create) : path_(path.string()) {
    if (!create && !std::filesystem::exists(path))
        throw Error(path_ + ": no history database (create one with `lmharness import --db " + path_ + " RESULTS.json`)");
    if (create && path.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(path.parent_path(), ec);
    }
    const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        throw Error(path_ + ": cannot open history database: " + why);
    }
    // Another import may hold the write lock for a moment; wait rather than fail.
    sqlite3_busy_timeout(db_, 10000);
    try {
        exec("PRAGMA foreign_keys = ON");
        ensure_schema(create);
    } catch (...) {
        sqlite3_close(db_);
        throw;
    }
}

HistoryDb::~HistoryDb() { sqlite3_close(db_); }

void HistoryDb::exec(const std::string& sql) const {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
        const std::string why = msg ? msg : sqlite3_errmsg(db_);
        sqlite3_free(msg);
        throw Error(path_ + ": " + why);
    }
}

void HistoryDb::ensure_schema(bool create) {
    // IMMEDIATE: two first imports racing must not both create the tables.
    exec("BEGIN IMMEDIATE");
    try {
        bool has_meta = false;
        {
            Statement st(db_, path_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'");
            has_meta = st.step();
        }
        if (!has_meta) {
            Statement any(db_, path_, "SELECT 1 FROM sqlite_master");
            if (any.step()) throw Error(path_ + ": not an lmharness history database (no meta table)");
            if (!create) throw Error(path_ + ": empty history database (import results first)");
            exec(kSchema);
            exec("INSERT INTO meta(key, value) VALUES ('schema_version', '" + std::to_string(kHistorySchemaVersion) + "')");
        } else {
            Statement st(db_, path_, "SELECT value FROM meta WHERE key = 'schema_version'");
            if (!st.step()) throw Error(path_ + ": meta.schema_version missing");
            const std::string v = st.text(0);
            if (v != std::to_string(kHistorySchemaVersion))
                throw Error(path_ + ": meta.schema_version is " + v + ", this lmharness reads version " +
                            std::to_string(kHistorySchemaVersion));
        }
        exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

ImportResult HistoryDb::import(const std::vector<ImportItem>& items) {
    ImportResult res;
    exec("BEGIN IMMEDIATE");
    std::string at;  // what was being inserted, for the message
    try {
        Statement seen(db_, path_, "SELECT 1 FROM runs WHERE file_sha256 = ?");
        Statement run(db_, path_,
                      "INSERT INTO runs(file_sha256, source, imported_at, git_commit, git_dirty, date, provenance) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)");
        Statement rec(db_, path_,
                      "INSERT INTO records(run_id, workload, case_name, kernels, threads, record) VALUES (?, ?, ?, ?, ?, ?)");
        Statement sample(db_, path_, "INSERT INTO samples(record_id, metric, idx, value) VALUES (?, ?, ?, ?)");
        const std::string now = utc_now_iso8601();
        for (const auto& item : items) {
            at = item.source;
            seen.bind(1, item.sha256);
            const bool dup = seen.step();
            seen.reset();
            if (dup) {
                ++res.files_skipped;
                continue;
            }
            const auto& prov = item.file.provenance;
            run.bind(1, item.sha256);
            run.bind(2, item.source);
            run.bind(3, now);
            run.bind(4, json_string(prov, "git_commit", "unknown"));
            const auto dirty = prov.find("git_dirty");
            run.bind(5, std::int64_t{dirty != prov.end() && dirty->is_boolean() && dirty->get<bool>()});
            run.bind(6, json_string(prov, "date", now));
            run.bind(7, prov.dump());
            run.run();
            const std::int64_t run_id = sqlite3_last_insert_rowid(db_);
            for (std::size_t i = 0; i < item.file.records.size(); ++i) {
                const BenchRecord& r = item.file.records[i];
                at = item.source + ": records[" + std::to_string(i) + "] (" + r.key() + ")";
                nlohmann::json j = to_json(r);
                j.erase("samples");  // kept row by row in the samples table
                j.erase("metrics");  // derived from the samples on read
                rec.bind(1, run_id);
                rec.bind(2, r.workload);
                rec.bind(3, r.case_name);
                rec.bind(4, r.kernels);
                rec.bind(5, std::int64_t{r.threads});
                rec.bind(6, j.dump());
                rec.run();
                const std::int64_t rec_id = sqlite3_last_insert_rowid(db_);
                for (const auto& [metric, values] : r.samples)
                    for (std::size_t k = 0; k < values.size(); ++k) {
                        at = item.source + ": records[" + std::to_string(i) + "].samples." + metric + "[" +
                             std::to_string(k) + "]";
                        sample.bind(1, rec_id);
                        sample.bind(2, metric);
                        sample.bind(3, static_cast<std::int64_t>(k));
                        sample.bind(4, values[k]);  // NaN binds as NULL: the NOT NULL constraint rejects it
                        sample.run();
                    }
                ++res.records;
            }
            ++res.files_imported;
        }
        exec("COMMIT");
    } catch (const std::exception& e) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        throw Error(path_ + ": import rolled back, nothing imported: " + at + ": " + e.what());
    }
    return res;
}

std::vector<StoredRecord> HistoryDb::records(const HistoryFilter& f) const {
    std::string sql =
        "SELECT records.id, runs.git_commit, runs.git_dirty, runs.date, runs.file_sha256, records.record, runs.provenance "
        "FROM records JOIN runs ON runs.id = records.run_id WHERE 1";
    if (!f.workload.empty()) sql += " AND records.workload = :workload";
    if (!f.case_name.empty()) sql += " AND records.case_name = :case";
    if (!f.kernels.empty()) sql += " AND records.kernels = :kernels";
    if (f.threads) sql += " AND records.threads = :threads";
    sql += " ORDER BY runs.date, runs.id, records.id";
    Statement st(db_, path_, sql);
    int i = 0;
    if (!f.workload.empty()) st.bind(++i, f.workload);
    if (!f.case_name.empty()) st.bind(++i, f.case_name);
    if (!f.kernels.empty()) st.bind(++i, f.kernels);
    if (f.threads) st.bind(++i, std::int64_t{*f.threads});
    Statement samples(db_, path_, "SELECT metric, value FROM samples WHERE record_id = ? ORDER BY metric, idx");
    std::vector<StoredRecord> out;
    while (st.step()) {
        StoredRecord s;
        s.id = st.integer(0);
        s.git_commit = st.text(1);
        s.git_dirty = st.integer(2) != 0;
        s.date = st.text(3);
        s.file_sha256 = st.text(4);
        s.provenance = nlohmann::json::parse(st.text(6), nullptr, false);
        nlohmann::json j = nlohmann::json::parse(st.text(5), nullptr, false);
        j["samples"] = nlohmann::json::object();
        samples.bind(1, s.id);
        while (samples.step()) j["samples"][samples.text(0)].push_back(samples.real(1));
        samples.reset();
        s.record = record_from_json(j, path_, "records.id=" + std::to_string(s.id));
        out.push_back(std::move(s));
    }
    return out;
}

ImportItem load_import_item(const std::filesystem::path& path) {
    ImportItem item;
    item.source = path.string();
    item.file = read_bench_file(path);
    item.sha256 = sha256_file(path);
    return item;
}

std::vector<HistorySeries> history_series(const std::vector<StoredRecord>& records, const std::string& metric) {
    // Group by configuration, then by commit in order of first appearance (records are
    // oldest first), pooling the samples of repeated runs of one commit.
    struct Group {
        HistorySeries series;
        std::vector<std::vector<double>> samples;  // per row
        std::map<std::string, std::size_t> row_of;  // commit+dirty -> row
    };
    std::vector<Group> groups;
    std::map<std::string, std::size_t> group_of;
    for (const auto& s : records) {
        const auto it = s.record.samples.find(metric);
        if (it == s.record.samples.end()) continue;
        const auto [g, fresh] = group_of.emplace(s.record.key(), groups.size());
        if (fresh) {
            Group ng;
            ng.series.config() = s.record.config();
            groups.push_back(std::move(ng));
        }
        Group& grp = groups[g->second];
        const std::string commit_key = s.git_commit + (s.git_dirty ? "+" : "");
        const auto [r, new_row] = grp.row_of.emplace(commit_key, grp.series.rows.size());
        if (new_row) {
            HistoryRow row;
            row.commit = s.git_commit;
            row.dirty = s.git_dirty;
            row.date = s.date;
            grp.series.rows.push_back(row);
            grp.samples.emplace_back();
        }
        auto& pool = grp.samples[r->second];
        pool.insert(pool.end(), it->second.begin(), it->second.end());
    }
    std::vector<HistorySeries> out;
    for (auto& grp : groups) {
        for (std::size_t i = 0; i < grp.series.rows.size(); ++i) {
            HistoryRow& row = grp.series.rows[i];
            const auto& x = grp.samples[i];
            row.n = x.size();
            row.median = median(x);
            const Interval ci = median_ci(x, 0.95);
            row.ci_low = ci.low;
            row.ci_high = ci.high;
            row.ci_confidence = ci.achieved;
            if (i == 0) continue;
            const auto& prev = grp.samples[i - 1];
            const double prev_median = median(prev);
            const MannWhitney mw = mann_whitney(prev, x);
            row.p = mw.p;
            if (prev_median != 0) row.shift_pct = hodges_lehmann(prev, x).estimate / prev_median * 100.0;
            row.step = mw.p < kStepAlpha && row.shift_pct && std::fabs(*row.shift_pct) > kStepThresholdPct;
        }
        out.push_back(std::move(grp.series));
    }
    return out;
}

std::string format_history(const std::vector<HistorySeries>& series, const std::string& metric) {
    const MetricSummary kind = metric_kind(metric);
    std::string out;
    bool starred = false;
    for (const auto& s : series) {
        out += s.heading() + "   " + metric +
               (kind.unit.empty() ? "" : " (" + kind.unit + ")") + "\n";
        char head[160];
        std::snprintf(head, sizeof head, "  %-16s %-20s %10s  %-23s %4s  %s\n", "commit", "date", "median",
                      "95% CI of median", "n", "change vs previous");
        out += head;
        for (const auto& r : s.rows) {
            std::string change;
            if (r.shift_pct && r.p)
                change = format_number("%+.1f%%", *r.shift_pct) + " (p=" + format_number("%.3g", *r.p) + ")" +
                         (r.step ? "  <-- STEP" : "");
            starred = starred || r.ci_confidence + 1e-9 < 0.95;
            char ci[64];
            std::snprintf(ci, sizeof ci, "[%.2f, %.2f]%s", r.ci_low, r.ci_high,
                          r.ci_confidence + 1e-9 < 0.95 ? "*" : "");
            char line[256];
            std::snprintf(line, sizeof line, "  %-16s %-20s %10.2f  %-23s %4zu  %s\n",
                          short_commit(r.commit, r.dirty).c_str(), r.date.c_str(), r.median, ci, r.n,
                          change.c_str());
            out += line;
        }
        out += "\n";
    }
    if (series.empty()) out += "history: no records with metric " + metric + " match\n";
    else
        out += std::string(starred ? "(*: too few samples for a 95% interval: min..max shown) " : "") + "(STEP: Mann-Whitney p < " + format_number("%g", kStepAlpha) +
               " and shift beyond " + format_number("%g", kStepThresholdPct) + "%)\n";
    return out;
}

nlohmann::json to_json(const HistoryRow& r) {
    const auto optional = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); };
    return {{"commit", short_commit(r.commit, r.dirty)},
            {"date", r.date},
            {"median", r.median},
            {"ci_low", r.ci_low},
            {"ci_high", r.ci_high},
            {"ci_confidence", r.ci_confidence},
            {"n", r.n},
            {"step", r.step},
            {"shift_pct", optional(r.shift_pct)},
            {"p", optional(r.p)}};
}

nlohmann::json history_json(const std::vector<HistorySeries>& series, const std::string& metric,
                            const std::string& db_path) {
    const MetricSummary kind = metric_kind(metric);
    nlohmann::json j{{"db", db_path},
                     {"metric", metric},
                     {"unit", kind.unit},
                     {"higher_is_better", kind.higher_is_better},
                     {"series", nlohmann::json::array()}};
    for (const auto& s : series) {
        nlohmann::json sj = to_json(s.config());
        sj["rows"] = nlohmann::json::array();
        for (const auto& r : s.rows) {
            nlohmann::json rj = to_json(r);
            rj["commit_full"] = r.commit;
            rj["dirty"] = r.dirty;
            sj["rows"].push_back(std::move(rj));
        }
        j["series"].push_back(std::move(sj));
    }
    return j;
}

}  // namespace lmh::bench
