#include "bench/record_io.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "bench/stats.h"
#include "util/atomic_file.h"
#include "util/error.h"

namespace lmh::bench {
namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string type_name(const nlohmann::json& j) {
    if (j.is_number_integer()) return "integer";
    return j.type_name();
}

// Field access with messages naming file and JSON path; one line each.
class Reader {
public:
    Reader(const std::string& source, std::string where) : source_(source), where_(std::move(where)) {}

    [[noreturn]] void fail(const std::string& field, const std::string& what) const {
        throw Error(source_ + ": " + path(field) + ": " + what);
    }
    std::string path(const std::string& field) const { return where_.empty() ? field : where_ + "." + field; }

    const nlohmann::json& get(const nlohmann::json& obj, const std::string& field) const {
        const auto it = obj.find(field);
        if (it == obj.end()) fail(field, "missing field");
        return *it;
    }
    std::string string(const nlohmann::json& obj, const std::string& field, bool required = true) const {
        if (!required && !obj.contains(field)) return {};
        const auto& v = get(obj, field);
        if (!v.is_string()) fail(field, "must be a string, found " + type_name(v));
        return v.get<std::string>();
    }
    std::int64_t integer(const nlohmann::json& obj, const std::string& field, std::int64_t min, bool required,
                         std::int64_t fallback = 0) const {
        if (!required && !obj.contains(field)) return fallback;
        const auto& v = get(obj, field);
        if (!v.is_number_integer()) fail(field, "must be an integer, found " + type_name(v));
        const auto x = v.get<std::int64_t>();
        if (x < min) fail(field, "must be >= " + std::to_string(min) + ", found " + std::to_string(x));
        return x;
    }
    bool boolean(const nlohmann::json& obj, const std::string& field) const {
        if (!obj.contains(field)) return false;
        const auto& v = get(obj, field);
        if (!v.is_boolean()) fail(field, "must be true or false, found " + type_name(v));
        return v.get<bool>();
    }

private:
    const std::string& source_;
    std::string where_;
};

}  // namespace

MetricSummary metric_kind(const std::string& metric) {
    MetricSummary s;
    if (ends_with(metric, "tokens_per_second")) {
        s.unit = "tok/s";
        s.higher_is_better = true;
    } else if (ends_with(metric, "_ms")) {
        s.unit = "ms";
        s.higher_is_better = false;
    } else if (ends_with(metric, "_bytes")) {
        s.unit = "bytes";
        s.higher_is_better = false;
    }
    return s;
}

MetricSummary summarize(const std::vector<double>& samples, const std::string& metric) {
    MetricSummary s = metric_kind(metric);
    s.median = median(samples);
    s.mean = mean(samples);
    s.stddev = sample_stddev(samples);
    s.min = *std::min_element(samples.begin(), samples.end());
    s.max = *std::max_element(samples.begin(), samples.end());
    return s;
}

std::map<std::string, MetricSummary> summarize(const std::map<std::string, std::vector<double>>& samples) {
    std::map<std::string, MetricSummary> out;
    for (const auto& [name, values] : samples) out[name] = summarize(values, name);
    return out;
}

std::string ConfigId::key() const {
    return workload + "/" + case_name + "/" + kernels + "/" + std::to_string(threads);
}

std::string ConfigId::heading() const {
    return workload + " / " + case_name + " / kernels " + kernels + " / " + std::to_string(threads) +
           (threads == 1 ? " thread" : " threads");
}

nlohmann::json to_json(const ConfigId& c) {
    return {{"workload", c.workload}, {"case", c.case_name}, {"kernels", c.kernels}, {"threads", c.threads}};
}

nlohmann::json to_json(const BenchRecord& r) {
    nlohmann::json j = to_json(r.config());
    j["workload_sha256"] = r.workload_sha256;
    j["kernels_resolved"] = r.kernels_resolved;
    j["repetitions"] = r.repetitions;
    j["warmup"] = r.warmup;
    j["samples"] = nlohmann::json::object();
    for (const auto& [name, values] : r.samples) j["samples"][name] = values;
    // Always re-derived so a file can never carry metrics that disagree with its samples.
    j["metrics"] = nlohmann::json::object();
    for (const auto& [name, values] : r.samples) {
        const auto it = r.metrics.find(name);
        MetricSummary m = summarize(values, name);
        if (it != r.metrics.end() && !it->second.unit.empty()) {
            m.unit = it->second.unit;
            m.higher_is_better = it->second.higher_is_better;
        }
        j["metrics"][name] = {{"median", m.median}, {"mean", m.mean}, {"stddev", m.stddev}, {"min", m.min},
                              {"max", m.max},       {"unit", m.unit}, {"higher_is_better", m.higher_is_better}};
    }
    if (r.peak_rss_bytes) j["peak_rss_bytes"] = *r.peak_rss_bytes;
    j["tokens_hash"] = r.tokens_hash;
    j["token_mismatch"] = r.token_mismatch;
    j["generated_tokens"] = r.generated_tokens;
    j["prompt_tokens"] = r.prompt_tokens;
    j["warnings"] = r.warnings;
    return j;
}

nlohmann::json to_json(const BenchFile& f) {
    nlohmann::json j;
    j["schema"] = kBenchSchema;
    j["provenance"] = f.provenance;
    j["records"] = nlohmann::json::array();
    for (const auto& r : f.records) j["records"].push_back(to_json(r));
    return j;
}

BenchRecord record_from_json(const nlohmann::json& j, const std::string& source, const std::string& where) {
    const Reader rd(source, where);
    if (!j.is_object()) throw Error(source + ": " + where + ": must be an object, found " + type_name(j));
    BenchRecord r;
    r.workload = rd.string(j, "workload");
    r.case_name = rd.string(j, "case");
    r.kernels = rd.string(j, "kernels");
    r.threads = static_cast<int>(rd.integer(j, "threads", 1, true));
    if (r.workload.empty()) rd.fail("workload", "must not be empty");
    if (r.case_name.empty()) rd.fail("case", "must not be empty");
    r.workload_sha256 = rd.string(j, "workload_sha256", false);
    r.kernels_resolved = rd.string(j, "kernels_resolved", false);
    r.repetitions = static_cast<int>(rd.integer(j, "repetitions", 0, false));
    r.warmup = static_cast<int>(rd.integer(j, "warmup", 0, false));
    r.tokens_hash = rd.string(j, "tokens_hash", false);
    r.token_mismatch = rd.boolean(j, "token_mismatch");
    r.generated_tokens = static_cast<int>(rd.integer(j, "generated_tokens", 0, false));
    r.prompt_tokens = static_cast<int>(rd.integer(j, "prompt_tokens", 0, false));
    if (j.contains("peak_rss_bytes") && !j["peak_rss_bytes"].is_null())
        r.peak_rss_bytes = rd.integer(j, "peak_rss_bytes", 0, true);
    if (j.contains("warnings")) {
        const auto& w = j["warnings"];
        if (!w.is_array()) rd.fail("warnings", "must be an array of strings, found " + type_name(w));
        for (std::size_t i = 0; i < w.size(); ++i) {
            if (!w[i].is_string()) rd.fail("warnings[" + std::to_string(i) + "]", "must be a string");
            r.warnings.push_back(w[i].get<std::string>());
        }
    }
    const auto& samples = rd.get(j, "samples");
    if (!samples.is_object()) rd.fail("samples", "must be an object of number arrays, found " + type_name(samples));
    if (samples.empty()) rd.fail("samples", "has no series");
    for (const auto& [name, arr] : samples.items()) {
        const std::string field = "samples." + name;
        if (!arr.is_array()) rd.fail(field, "must be an array of numbers, found " + type_name(arr));
        if (arr.empty()) rd.fail(field, "is empty");
        std::vector<double> values;
        for (std::size_t i = 0; i < arr.size(); ++i) {
            const auto& v = arr[i];
            const std::string at = field + "[" + std::to_string(i) + "]";
            // nlohmann parses NaN/Infinity as invalid JSON, so non-finite values arrive as
            // null (what it writes for them) or strings; say what was found.
            if (!v.is_number()) rd.fail(at, "must be a finite number >= 0, found " + v.dump());
            const double x = v.get<double>();
            if (!std::isfinite(x) || x < 0) rd.fail(at, "must be a finite number >= 0, found " + v.dump());
            values.push_back(x);
        }
        r.samples[name] = std::move(values);
    }
    r.metrics = summarize(r.samples);
    // The file may declare unit and direction for a series the naming rule does not know.
    if (j.contains("metrics")) {
        const auto& m = j["metrics"];
        if (!m.is_object()) rd.fail("metrics", "must be an object, found " + type_name(m));
        for (auto& [name, summary] : r.metrics) {
            if (!m.contains(name)) continue;
            const auto& mj = m[name];
            if (!mj.is_object()) rd.fail("metrics." + name, "must be an object, found " + type_name(mj));
            const Reader mr(source, rd.path("metrics." + name));
            if (mj.contains("unit")) summary.unit = mr.string(mj, "unit");
            if (mj.contains("higher_is_better")) summary.higher_is_better = mr.boolean(mj, "higher_is_better");
        }
    }
    return r;
}

BenchFile bench_file_from_json(const nlohmann::json& j, const std::string& source) {
    const Reader rd(source, "");
    if (!j.is_object()) throw Error(source + ": must be a JSON object, found " + type_name(j));
    const std::string schema = rd.string(j, "schema");
    if (schema != kBenchSchema)
        rd.fail("schema", "expected \"" + std::string(kBenchSchema) + "\", found \"" + schema + "\"");
    BenchFile f;
    if (j.contains("provenance")) {
        f.provenance = j["provenance"];
        if (!f.provenance.is_object()) rd.fail("provenance", "must be an object, found " + type_name(f.provenance));
    }
    const auto& records = rd.get(j, "records");
    if (!records.is_array()) rd.fail("records", "must be an array, found " + type_name(records));
    std::map<std::string, std::size_t> seen;
    for (std::size_t i = 0; i < records.size(); ++i) {
        const std::string where = "records[" + std::to_string(i) + "]";
        BenchRecord r = record_from_json(records[i], source, where);
        const auto [it, fresh] = seen.emplace(r.key(), i);
        if (!fresh)
            throw Error(source + ": " + where + ": duplicate configuration " + r.key() + " (also records[" +
                        std::to_string(it->second) + "])");
        f.records.push_back(std::move(r));
    }
    return f;
}

BenchFile read_bench_file(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(source + ": cannot open results file");
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        // e.byte locates the problem; nlohmann's own text repeats "[json.exception...]".
        throw Error(source + ": invalid JSON at byte " + std::to_string(e.byte));
    } catch (const nlohmann::json::out_of_range&) {  // a number like 1e999 overflows a double
        throw Error(source + ": invalid JSON: a number is out of range");
    }
    return bench_file_from_json(j, source);
}

void write_bench_file(const std::filesystem::path& path, const BenchFile& file) {
    write_json_atomic(path, to_json(file));
}

}  // namespace lmh::bench
