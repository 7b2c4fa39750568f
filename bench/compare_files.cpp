#include "bench/compare_files.h"

#include "bench/fingerprint.h"
#include "util/error.h"
#include "util/provenance.h"

namespace lmh::bench {

std::string describe_results_file(const std::string& path, const nlohmann::json& prov) {
    auto text = [&](const char* key) {
        const auto it = prov.find(key);
        return it != prov.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    const auto dirty = prov.find("git_dirty");
    std::string s = path;
    const std::string commit = text("git_commit"), date = text("date");
    if (!commit.empty())
        s += "  commit " + short_commit(commit, dirty != prov.end() && dirty->is_boolean() && dirty->get<bool>());
    if (!date.empty()) s += "  " + date;
    return s;
}

std::string FileComparison::machines_text() const {
    std::string why;
    for (const auto& d : machine_differences) why += (why.empty() ? "" : "; ") + d;
    return why;
}

FileComparison compare_result_files(const std::string& base_path, const std::string& new_path,
                                    const CompareOptions& opt, bool refuse_other_machine) {
    FileComparison c{base_path, new_path, read_bench_file(base_path), read_bench_file(new_path), {}, {}};
    c.machine_differences = fingerprint_differences(fingerprint_from_provenance(c.base.provenance),
                                                    fingerprint_from_provenance(c.neu.provenance));
    if (!c.machine_differences.empty() && refuse_other_machine)
        throw Error("compare: BASE and NEW were recorded on different machines (" + c.machines_text() +
                    "): timing verdicts would compare the machines; rerun BASE here or pass --allow-machine-mismatch");
    c.report = compare_files(c.base, c.neu, opt);
    return c;
}

std::string format_file_comparison(const FileComparison& c) {
    return "BASE: " + c.base_label() + "\n" + "NEW:  " + c.new_label() + "\n" +
           (c.machine_differences.empty()
                ? ""
                : "WARNING: different machines (" + c.machines_text() + "): verdicts compare machines, not code\n") +
           "\n" + format_report(c.report);
}

nlohmann::json to_json(const FileComparison& c) {
    nlohmann::json j = to_json(c.report);
    j["base"] = {{"file", c.base_path}, {"provenance", c.base.provenance}};
    j["new"] = {{"file", c.new_path}, {"provenance", c.neu.provenance}};
    return j;
}

int regression_exit_code(const CompareReport& r) {
    if (has_regression(r)) return 1;
    if (has_inconclusive_main_metric(r)) return 3;
    return 0;
}

}  // namespace lmh::bench
