// The history database on a temp file: import, per-commit history with step detection,
// compare against a history window, and atomicity (an import that fails half-way leaves
// exactly the earlier imports). Data from tests/bench_test_data.h.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <cmath>
#include <fstream>

#include "bench/compare.h"
#include "bench/history_db.h"
#include "bench/stats.h"
#include "bench_test_data.h"
#include "cli_run.h"
#include "util/error.h"
#include "test_paths.h"

namespace lmh {
namespace {

struct HistoryDbTest : ::testing::Test {
    std::filesystem::path dir = test::temp_dir("history_db");
    std::filesystem::path db_path = dir / "sub" / "history.db";
    ~HistoryDbTest() override { std::filesystem::remove_all(dir); }

    bench::ImportItem item(const std::string& name, const bench::BenchFile& f) {
        bench::write_bench_file(dir / name, f);
        return bench::load_import_item(dir / name);
    }
    // Rows of a table, read with the SQLite API directly (not through the code under test).
    long long count(const std::string& table) {
        sqlite3* db = nullptr;
        sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, ("SELECT COUNT(*) FROM " + table).c_str(), -1, &st, nullptr);
        long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        sqlite3_close(db);
        return n;
    }
    test::CliRun run(const std::string& args) { return test::run_cli(args, dir); }
};

TEST_F(HistoryDbTest, ImportHistoryAndStep) {
    bench::HistoryDb db(db_path, true);
    const auto a = item("a.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 9)}, "aaaaaaaaaaaa1",
                                                       "2025-01-01T00:00:00Z"));
    const auto b = item("b.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 80, 9, 0.7)},
                                                       "bbbbbbbbbbbb2", "2025-01-02T00:00:00Z"));
    auto res = db.import({a});
    EXPECT_EQ(res.records, 1u);
    res = db.import({b, a});  // a again: skipped by its sha256
    EXPECT_EQ(res.files_imported, 1u);
    EXPECT_EQ(res.files_skipped, 1u);
    EXPECT_EQ(count("runs"), 2);
    EXPECT_EQ(count("samples"), 2 * 3 * 9);  // 2 records, 3 series, 9 samples

    const auto stored = db.records({"story", "", "", 1});
    ASSERT_EQ(stored.size(), 2u);
    EXPECT_EQ(stored[0].git_commit, "aaaaaaaaaaaa1");
    EXPECT_EQ(stored[0].record.samples, a.file.records[0].samples);  // raw samples survive

    const auto series = bench::history_series(stored, "decode_tokens_per_second");
    ASSERT_EQ(series.size(), 1u);
    ASSERT_EQ(series[0].rows.size(), 2u);
    EXPECT_FALSE(series[0].rows[0].step);
    EXPECT_TRUE(series[0].rows[1].step);
    EXPECT_NEAR(*series[0].rows[1].shift_pct, -20, 2.5);
    EXPECT_EQ(series[0].rows[1].n, 9u);
    EXPECT_NEAR(series[0].rows[0].median, bench::median(a.file.records[0].samples.at("decode_tokens_per_second")), 1e-9);
    EXPECT_LE(series[0].rows[0].ci_low, series[0].rows[0].median);
    EXPECT_GE(series[0].rows[0].ci_high, series[0].rows[0].median);
}

TEST_F(HistoryDbTest, FailedImportRollsBackCompletely) {
    bench::HistoryDb db(db_path, true);
    db.import({item("first.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 5)}, "c1"))});
    // The second file's second record carries a NaN sample (bypassing the file validation):
    // its first record is already inserted when the samples table's NOT NULL check fails.
    auto bad = test::synthetic_file(
        {test::synthetic_record("story", "tbb", 2, 100, 5), test::synthetic_record("story", "naive", 1, 10, 5)}, "c2");
    bad.records[1].samples["ttft_ms"][3] = std::nan("");
    bench::ImportItem bad_item{"second.json", "feedface", bad};
    try {
        db.import({bad_item});
        FAIL() << "import of a NaN sample succeeded";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("rolled back"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("second.json: records[1].samples.ttft_ms[3]"), std::string::npos) << e.what();
    }
    EXPECT_EQ(count("runs"), 1);
    EXPECT_EQ(count("records"), 1);
    EXPECT_EQ(count("samples"), 3 * 5);
    EXPECT_EQ(db.records({}).size(), 1u);
    // The database is not left locked: a later good import goes through.
    bad.records[1].samples["ttft_ms"][3] = 1.0;
    EXPECT_EQ(db.import({{"second.json", "feedface", bad}}).records, 2u);
    EXPECT_EQ(count("records"), 3);
}

TEST_F(HistoryDbTest, SchemaVersionAndMissingDb) {
    { bench::HistoryDb db(db_path, true); }
    sqlite3* raw = nullptr;
    sqlite3_open(db_path.c_str(), &raw);
    sqlite3_exec(raw, "UPDATE meta SET value = '99' WHERE key = 'schema_version'", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
    try {
        bench::HistoryDb db(db_path, false);
        FAIL() << "opened a database of a newer schema";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("schema_version is 99"), std::string::npos) << e.what();
    }
    EXPECT_THROW(bench::HistoryDb(dir / "none.db", false), Error);
}

TEST_F(HistoryDbTest, CommandsEndToEnd) {
    const std::string db = "--db " + db_path.string();
    // Four commits around 100 tok/s, then two candidates: 80 (a regression) and 100.5.
    std::string files;
    for (int i = 0; i < 4; ++i) {
        const std::string name = "h" + std::to_string(i) + ".json";
        bench::write_bench_file(dir / name, test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100 + 0.3 * i, 7, i)},
                                                                 "commit" + std::to_string(i) + "xxxxxx",
                                                                 "2025-01-0" + std::to_string(i + 1) + "T00:00:00Z"));
        files += " " + (dir / name).string();
    }
    test::CliRun r = run("import " + db + files);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("4 record(s) from 4 file(s)"), std::string::npos) << r.out;

    // A bad file anywhere in the list: nothing from the list is imported.
    bench::write_bench_file(dir / "h4.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100, 7)}, "commit4"));
    std::ofstream(dir / "bad.json") << "{\"schema\": \"lmharness-bench/1\", \"records\": [{}]}";
    r = run("import " + db + " " + (dir / "h4.json").string() + " " + (dir / "bad.json").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("bad.json: records[0].workload: missing field"), std::string::npos) << r.err;
    EXPECT_EQ(count("runs"), 4);

    r = run("history " + db + " --workload story --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    ASSERT_EQ(j["series"].size(), 1u);
    EXPECT_EQ(j["series"][0]["rows"].size(), 4u);
    EXPECT_EQ(j["series"][0]["rows"][0]["commit"], "commit0xxx");
    r = run("history " + db);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("commit3xxx"), std::string::npos) << r.out;

    bench::write_bench_file(dir / "slow.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 80, 7)}, "slow"));
    bench::write_bench_file(dir / "ok.json", test::synthetic_file({test::synthetic_record("story", "tbb", 1, 100.5, 7, 2)}, "ok"));
    r = run("compare " + db + " " + (dir / "slow.json").string() + " --fail-on-regression");
    EXPECT_EQ(r.code, 1) << r.out << r.err;
    EXPECT_NE(r.out.find("SLOWER than history"), std::string::npos) << r.out;
    r = run("compare " + db + " " + (dir / "ok.json").string() + " --fail-on-regression");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    r = run("history --db " + (dir / "none.db").string());
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("none.db"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lmh
