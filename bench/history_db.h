// The benchmark history: every imported results file, its records and raw samples, in one
// SQLite file (default results/history.db). Versioned schema (meta.schema_version), created
// on first use; each import is one BEGIN IMMEDIATE transaction, so an import that fails
// half-way (a bad record, a full disk, a killed process) leaves the database as it was.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/record_io.h"

struct sqlite3;

namespace lmh::bench {

inline constexpr int kHistorySchemaVersion = 1;

struct ImportItem {
    std::string source;  // file name, for messages and the runs table
    std::string sha256;  // of the file's bytes: importing the same file twice is a no-op
    BenchFile file;
};

struct ImportResult {
    std::size_t files_imported = 0, files_skipped = 0, records = 0;
};

// One record as stored, with the provenance of the run that produced it.
struct StoredRecord {
    std::int64_t id = 0;
    std::string git_commit;  // full hash, "unknown" when the file had none
    bool git_dirty = false;
    std::string date;  // ISO 8601 from the file's provenance (import time when absent)
    std::string file_sha256;
    nlohmann::json provenance;  // of the file the record came from (machine fingerprint, build)
    BenchRecord record;
};

struct HistoryFilter {
    std::string workload, case_name, kernels;  // empty: any
    std::optional<int> threads;
};

class HistoryDb {
public:
    // create = true makes the file (and its folder) and the schema when missing; false
    // throws lmh::Error when there is no database at `path`.
    HistoryDb(const std::filesystem::path& path, bool create);
    ~HistoryDb();
    HistoryDb(const HistoryDb&) = delete;
    HistoryDb& operator=(const HistoryDb&) = delete;

    // All items in one transaction: all are imported or none (lmh::Error, rolled back).
    ImportResult import(const std::vector<ImportItem>& items);
    // Matching records, oldest first (by run date, then import order).
    std::vector<StoredRecord> records(const HistoryFilter& filter) const;
    const std::string& path() const { return path_; }

private:
    void exec(const std::string& sql) const;
    void ensure_schema(bool create);
    std::string path_;
    sqlite3* db_ = nullptr;
};

ImportItem load_import_item(const std::filesystem::path& path);

// ---- history series --------------------------------------------------------------------
struct HistoryRow {
    std::string commit;  // full hash
    bool dirty = false;
    std::string date;    // of the commit's first record
    std::size_t n = 0;   // samples pooled over the commit's records
    double median = 0, ci_low = 0, ci_high = 0, ci_confidence = 0;
    bool step = false;   // significant change (Mann-Whitney) beyond kStepThresholdPct vs the previous row
    std::optional<double> shift_pct, p;  // vs the previous row (Hodges-Lehmann % of its median)
};

// The row's figures, and "commit" in its short form (short_commit: "+" when dirty), as
// history --json and the report site chart them.
nlohmann::json to_json(const HistoryRow& row);

struct HistorySeries : ConfigId {
    std::vector<HistoryRow> rows;  // oldest to newest
};

inline constexpr double kStepThresholdPct = 5.0;
inline constexpr double kStepAlpha = 0.05;

// One series per configuration having `metric`; one row per commit (samples of repeated
// runs of the same commit are pooled).
std::vector<HistorySeries> history_series(const std::vector<StoredRecord>& records, const std::string& metric);
std::string format_history(const std::vector<HistorySeries>& series, const std::string& metric);
nlohmann::json history_json(const std::vector<HistorySeries>& series, const std::string& metric,
                            const std::string& db_path);

}  // namespace lmh::bench
