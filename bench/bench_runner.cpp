#include "bench/bench_runner.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

#include <tbb/global_control.h>

#include "bench/noise.h"
#include "bench/profile.h"
#include "bench/roofline.h"
#include "bench/serve_run.h"
#include "bench/stats.h"
#include "engine/batch.h"
#include "kernels/run_plan.h"
#include "engine/chat_session.h"
#include "util/error.h"
#include "engine/generate.h"
#include "engine/gguf_model.h"
#include "engine/model_files.h"
#include "engine/tokenizer.h"
#include "engine/weights.h"

namespace lmh::bench {
namespace {

using clock = std::chrono::steady_clock;
constexpr int kAutoWarmupCap = 10;
double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

void spin_for(double seconds) {
    const auto until = clock::now() + std::chrono::duration<double>(seconds);
    while (clock::now() < until) {
    }
}

// FNV-1a over the generated ids: equal hashes mean equal greedy tokens.
std::string hash_ids(const std::vector<int>& ids) {
    std::uint64_t h = 1469598103934665603ull;
    for (int id : ids)
        for (int b = 0; b < 4; ++b) {
            h ^= static_cast<std::uint8_t>(static_cast<std::uint32_t>(id) >> (8 * b));
            h *= 1099511628211ull;
        }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

long peak_rss_bytes() {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return u.ru_maxrss * 1024L;
}

// Samples of one repetition.
struct Rep {
    double load_ms = 0, prefill_tps = 0, decode_tps = 0, ttft_ms = 0;
    std::vector<double> itl_ms;
    std::vector<int> tokens;
    int prompt_tokens = 0, generated = 0;
    std::map<std::string, double> serve;  // serve cases: every metric of summarize_serve
    std::vector<int> batch_sizes;         // serve cases: the batch-size trace
    std::vector<std::string> weight_fallbacks;  // quantized runs: matrices held in bf16
};

}  // namespace

LoadedModel LoadedModel::load(const std::filesystem::path& dir, bool chat, std::optional<kernels::WeightFormat> format) {
    LoadedModel m;
    const auto t0 = clock::now();
    m.weights = Weights::load(dir);
    if (format) m.weights->projections(*format);  // converted or mapped in place: ready to run
    const std::filesystem::path side = locate_model(dir).dir;  // beside a .gguf
    m.tokenizer = std::make_shared<Tokenizer>(Tokenizer::load(side / "tokenizer.json"));
    if (chat) m.chat_template = std::make_shared<ChatTemplate>(ChatTemplate::from_tokenizer_config(side / "tokenizer_config.json"));
    m.load_ms = 1e3 * seconds_since(t0);
    return m;
}

namespace {

SamplerParams greedy() {
    SamplerParams p;
    p.temperature = 0;
    return p;
}

Rep run_generate(const Workload& w, const LoadedModel& m, const std::string& kernels, double slow) {
    Rep r;
    const auto& weights = m.weights;
    const Tokenizer& tok = *m.tokenizer;
    Session s(weights, kernels::make_kernel_set(kernels));
    Sampler sampler(greedy(), weights->config().vocab);
    const auto prompt = tok.encode(w.prompt, true);
    GenerationOptions go;
    go.max_tokens = w.generate_tokens;
    go.ignore_eos = true;
    if (static_cast<int>(prompt.size()) + w.generate_tokens > s.context())
        throw Error("workload " + w.name + ": prompt plus " + std::to_string(w.generate_tokens) +
                    " tokens exceed the context window of " + std::to_string(s.context()));
    r.tokens.reserve(static_cast<std::size_t>(w.generate_tokens));
    r.itl_ms.reserve(static_cast<std::size_t>(w.generate_tokens));
    auto last = clock::now();
    const auto st = generate(s, sampler, prompt, weights->config().eos_ids, go, [&](int t) {
        const auto now = clock::now();
        if (!r.tokens.empty()) {
            const double dt = std::chrono::duration<double>(now - last).count();
            if (slow > 0) spin_for(dt * slow / 100.0);
            r.itl_ms.push_back(1e3 * std::chrono::duration<double>(clock::now() - last).count());
        }
        r.tokens.push_back(t);
        last = clock::now();
        return true;
    });
    r.prompt_tokens = st.prompt_tokens;
    r.generated = st.generated;
    r.prefill_tps = st.prefill_tokens_per_second();
    r.decode_tps = st.decode_tokens_per_second();
    r.ttft_ms = 1e3 * st.first_token_seconds;
    return r;
}

Rep run_prefill(const Workload& w, const LoadedModel& m, const std::string& kernels) {
    Rep r;
    const auto& weights = m.weights;
    const Tokenizer& tok = *m.tokenizer;
    auto ids = tok.encode(w.prefill_text, true);
    if (static_cast<int>(ids.size()) < w.prefill_tokens)
        throw Error("workload " + w.name + ": prefill.text has only " + std::to_string(ids.size()) + " tokens, fewer than prefill.tokens = " +
                    std::to_string(w.prefill_tokens));
    ids.resize(static_cast<std::size_t>(w.prefill_tokens));
    Session s(weights, kernels::make_kernel_set(kernels));
    const auto t1 = clock::now();
    const auto logits = s.forward(ids);
    const double secs = seconds_since(t1);
    r.prefill_tps = ids.size() / secs;
    r.ttft_ms = 1e3 * secs;
    r.tokens = {argmax(logits)};
    r.prompt_tokens = static_cast<int>(ids.size());
    return r;
}

Rep run_chat(const Workload& w, const LoadedModel& m, const std::string& kernels, double slow) {
    Rep r;
    ChatSession chat(m.weights, kernels::make_kernel_set(kernels), *m.tokenizer, *m.chat_template, greedy(), w.system);
    ChatTurnOptions o;
    o.max_reply_tokens = w.reply_tokens;
    o.ignore_eos = true;
    double prefill_s = 0, decode_s = 0, ttft_sum = 0;
    long prefill_n = 0, decode_n = 0;
    for (const auto& user : w.turns) {
        auto last = clock::now();
        bool first = true;
        const auto t = chat.turn(user, o, [&](const std::string&) {
            const auto now = clock::now();
            if (!first) {
                const double dt = std::chrono::duration<double>(now - last).count();
                if (slow > 0) spin_for(dt * slow / 100.0);
                r.itl_ms.push_back(1e3 * std::chrono::duration<double>(clock::now() - last).count());
            }
            first = false;
            last = clock::now();
        });
        prefill_s += t.prefill_seconds;
        prefill_n += static_cast<long>(t.prefill_ids.size());
        decode_s += t.decode_seconds;
        decode_n += t.decode_forwards;
        ttft_sum += t.first_token_seconds;
        r.tokens.insert(r.tokens.end(), t.reply_ids.begin(), t.reply_ids.end());
        r.generated += static_cast<int>(t.reply_ids.size());
    }
    r.prompt_tokens = static_cast<int>(prefill_n);
    r.prefill_tps = prefill_n / prefill_s;
    r.decode_tps = decode_n / decode_s;
    r.ttft_ms = 1e3 * ttft_sum / static_cast<double>(w.turns.size());
    return r;
}

// One serve run (engine/serve.h) with `sessions` conversations; the batch holds at most the
// workload's max_batch sequences, each with the context its request needs.
Rep run_serve(const Workload& w, int sessions, const LoadedModel& m, const std::string& kernels) {
    const auto requests = serve_requests(w, sessions, *m.tokenizer, *m.chat_template);
    int ctx = 1;
    for (const auto& r : requests) ctx = std::max(ctx, static_cast<int>(r.prompt.size()) + r.reply_tokens);
    const int max_batch = std::min(w.max_batch, sessions);
    Batch batch(m.weights, kernels::make_kernel_set(kernels), BatchOptions{max_batch, ctx, 512, w.gemm_from_rows});
    const ServeResult res = serve(batch, requests, ServeOptions{max_batch, w.max_prefills_per_step});
    ServeSummary sum = summarize_serve(res, w.slo_ttft_ms, w.slo_tpot_ms);
    Rep r;
    r.decode_tps = sum.samples["decode_tokens_per_second"];
    r.prefill_tps = sum.samples["prefill_tokens_per_second"];
    r.ttft_ms = sum.samples["ttft_ms"];
    r.tokens = std::move(sum.tokens);
    r.generated = sum.generated;
    r.prompt_tokens = sum.prompt_tokens;
    r.serve = std::move(sum.samples);
    r.batch_sizes = std::move(sum.batch_sizes);
    return r;
}

Rep run_case(const Workload& w, const std::string& c, const LoadedModel& m, const std::string& ks, double slow) {
    if (const int sessions = serve_sessions(c); w.kind == "serve" && sessions > 0) return run_serve(w, sessions, m, ks);
    return c == "chat" ? run_chat(w, m, ks, slow) : c == "generate" ? run_generate(w, m, ks, slow) : run_prefill(w, m, ks);
}

nlohmann::json metric(const std::vector<double>& v, const char* unit, bool higher_is_better) {
    return {{"median", median(v)}, {"mean", mean(v)},       {"stddev", sample_stddev(v)}, {"min", *std::min_element(v.begin(), v.end())},
            {"max", *std::max_element(v.begin(), v.end())}, {"unit", unit}, {"higher_is_better", higher_is_better}};
}

}  // namespace

RunSample run_once(const Workload& w, const std::string& case_name, const LoadedModel& m, const std::string& kernels) {
    const Rep r = run_case(w, case_name, m, kernels, 0.0);
    return {r.prefill_tps, r.decode_tps, r.ttft_ms, hash_ids(r.tokens)};
}

std::vector<std::string> workload_cases(const Workload& w, const std::vector<int>& sessions) {
    if (w.kind == "serve") {
        std::vector<std::string> c;
        for (int n : sessions.empty() ? std::vector<int>{w.sessions} : sessions) c.push_back(serve_case(n));
        return c;
    }
    std::vector<std::string> c = {w.kind == "chat" ? "chat" : "generate"};
    if (w.prefill_tokens > 0) c.push_back("prefill" + std::to_string(w.prefill_tokens));
    return c;
}

// ---- run_workload in named steps, as Google Benchmark's runner: warm-up, repetitions,
// record, roofline, token check ---------------------------------------------------------
namespace {

// One configuration (case × kernel set × thread count) of a workload.
struct Config {
    const Workload& w;
    std::filesystem::path model;
    std::string case_name, kernels;
    int threads = 1;
    std::string label() const { return w.name + "/" + case_name + " " + kernels + " t" + std::to_string(threads); }
};

// Runs one repetition (fresh model load: load time is one of the metrics) and reports progress.
class Repeater {
public:
    Repeater(const BenchOptions& o, const Progress& progress, int total)
        : o_(o), progress_(progress), total_(total), start_(clock::now()) {}
    Rep run(const Config& cfg, int i, int planned) {
        if (progress_) {
            const double el = seconds_since(start_);
            progress_(cfg.label(), i, planned, done_ ? el / done_ * std::max(0, total_ - done_) : 0.0);
        }
        const kernels::KernelSet ks = kernels::make_kernel_set(cfg.kernels);
        const LoadedModel m = LoadedModel::load(cfg.model, cfg.w.kind == "chat" || cfg.w.kind == "serve", ks.weights);
        Rep r = run_case(cfg.w, cfg.case_name, m, cfg.kernels, o_.slowdown_percent);
        r.load_ms = m.load_ms;
        if (kernels::is_quantized(ks.weights)) r.weight_fallbacks = m.weights->projections(ks.weights).fallbacks();
        ++done_;
        return r;
    }

private:
    const BenchOptions& o_;
    const Progress& progress_;
    int total_, done_ = 0;
    clock::time_point start_;
};

struct WarmUp {
    bool automatic = false;
    int runs = 0;
    bool settled = true;
};

// Step 1. Fixed (o.warmup >= 0) unmeasured runs, or adaptive: until three consecutive runs
// agree within 5% on the case's main metric, at most kAutoWarmupCap runs.
WarmUp warm_up(const Config& cfg, const BenchOptions& o, Repeater& rep) {
    WarmUp wu;
    wu.automatic = o.warmup < 0;
    wu.settled = !wu.automatic;
    const int cap = wu.automatic ? kAutoWarmupCap : o.warmup;
    std::vector<double> main_metric;
    while (wu.runs < cap) {
        const Rep r = rep.run(cfg, wu.runs, cap + o.repetitions);
        ++wu.runs;
        if (!wu.automatic) continue;
        const bool decodes = cfg.case_name == "generate" || cfg.case_name == "chat" || cfg.w.kind == "serve";
        main_metric.push_back(decodes ? r.decode_tps : r.prefill_tps);
        if (main_metric.size() >= 3) {
            const auto last3 = std::vector<double>(main_metric.end() - 3, main_metric.end());
            const double lo = *std::min_element(last3.begin(), last3.end());
            const double hi = *std::max_element(last3.begin(), last3.end());
            if (lo > 0 && hi / lo - 1.0 <= 0.05) {
                wu.settled = true;
                break;
            }
        }
    }
    return wu;
}

// Step 2. The measured runs.
std::vector<Rep> repetitions(const Config& cfg, const BenchOptions& o, const WarmUp& wu, Repeater& rep) {
    std::vector<Rep> reps;
    for (int i = 0; i < o.repetitions; ++i) reps.push_back(rep.run(cfg, wu.runs + i, wu.runs + o.repetitions));
    return reps;
}

// Step 3. The "lmharness-bench/1" record: raw samples, derived metrics, warnings.
nlohmann::json make_record(const Config& cfg, const BenchOptions& o, const WarmUp& wu, const std::vector<Rep>& reps,
                           const StealMeter& steal) {
    const Workload& w = cfg.w;
    const std::string& c = cfg.case_name;
    nlohmann::json rec;
    rec["workload"] = w.name;
    rec["workload_sha256"] = w.sha256;
    rec["case"] = c;
    rec["kernels"] = cfg.kernels;
    rec["kernels_resolved"] = kernels::make_kernel_set(cfg.kernels).describe();
    if (!reps.empty() && !reps.front().weight_fallbacks.empty()) rec["weight_fallbacks"] = reps.front().weight_fallbacks;
    rec["threads"] = cfg.threads;
    rec["repetitions"] = o.repetitions;
    rec["warmup"] = wu.runs;
    rec["warmup_policy"] = wu.automatic ? "auto: until 3 consecutive runs agree within 5%, at most " +
                                              std::to_string(kAutoWarmupCap)
                                        : "fixed";
    rec["warmup_settled"] = wu.settled;
    if (o.slowdown_percent > 0) rec["slowdown_percent"] = o.slowdown_percent;
    std::map<std::string, std::vector<double>> s;
    bool tokens_stable = true;
    for (const Rep& r : reps) {
        if (w.kind == "serve") {  // every serve metric, and the load time
            for (const auto& [name, v] : r.serve) s[name].push_back(v);
            s["load_ms"].push_back(r.load_ms);
            tokens_stable = tokens_stable && r.tokens == reps.front().tokens;
            continue;
        }
        s["prefill_tokens_per_second"].push_back(r.prefill_tps);
        s["ttft_ms"].push_back(r.ttft_ms);
        s["load_ms"].push_back(r.load_ms);
        if (c != "prefill" + std::to_string(w.prefill_tokens)) {
            s["decode_tokens_per_second"].push_back(r.decode_tps);
            s["itl_p50_ms"].push_back(percentile(r.itl_ms, 50));
            s["itl_p90_ms"].push_back(percentile(r.itl_ms, 90));
            s["itl_p99_ms"].push_back(percentile(r.itl_ms, 99));
        }
        tokens_stable = tokens_stable && r.tokens == reps.front().tokens;
    }
    rec["samples"] = s;
    for (const auto& [name, v] : s) {
        const bool rate = name.find("per_second") != std::string::npos;
        const bool ms = name.size() > 3 && name.compare(name.size() - 3, 3, "_ms") == 0;
        const char* unit = name.find("tokens_per_second") != std::string::npos ? "tok/s"
                           : rate                                              ? "1/s"
                           : ms                                                ? "ms"
                                                                               : "";
        rec["metrics"][name] = metric(v, unit, !ms);
    }
    if (w.kind == "serve") {
        const int sessions = serve_sessions(c);
        rec["sessions"] = sessions;
        rec["max_batch"] = std::min(w.max_batch, sessions);
        rec["gemm_from_rows"] = w.gemm_from_rows;
        rec["arrival"] = w.arrival == "poisson" ? nlohmann::json{{"kind", "poisson"}, {"rate_per_second", w.rate_per_second}, {"seed", w.seed}}
                                                : nlohmann::json{{"kind", "all"}};
        rec["slo"] = {{"ttft_ms", w.slo_ttft_ms}, {"tpot_ms", w.slo_tpot_ms}};
        rec["scheduler"] = "continuous batching: at each step boundary admit arrived requests FCFS while the batch has room "
                           "(each prefilled whole, alone: prefill first), then one decode step over every running sequence, "
                           "then retire finished ones";
        rec["batch_trace"] = reps.front().batch_sizes;  // sequences per decode step, first repetition
    }
    rec["peak_rss_bytes"] = peak_rss_bytes();
    rec["tokens_hash"] = hash_ids(reps.front().tokens);
    rec["generated_tokens"] = reps.front().generated;
    rec["prompt_tokens"] = reps.front().prompt_tokens;
    rec["warnings"] = nlohmann::json::array();
    for (const auto& wmsg : environment_warnings()) rec["warnings"].push_back(wmsg);
    if (!wu.settled)
        rec["warnings"].push_back("warm-up did not settle within " + std::to_string(kAutoWarmupCap) +
                                  " runs (3 consecutive runs within 5%)");
    if (o.repetitions < static_cast<int>(min_repetitions_for(0.05)))
        rec["warnings"].push_back(std::to_string(o.repetitions) + " repetitions cannot reach p < 0.05 in compare: use at least " +
                                  std::to_string(min_repetitions_for(0.05)) + " (9 recommended)");
    for (const auto& [name, v] : s) {
        const double m = mean(v);
        if (v.size() > 1 && m > 0 && sample_stddev(v) / m > 0.05) {
            char b[160];
            std::snprintf(b, sizeof b, "coefficient of variation of %s is %.1f%% (> 5%%)", name.c_str(),
                          100.0 * sample_stddev(v) / m);
            rec["warnings"].push_back(b);
        }
    }
    rec["steal_percent"] = steal.percent_since_start();
    if (rec["steal_percent"].get<double>() > 1.0)
        rec["warnings"].push_back("hypervisor steal time was " + std::to_string(rec["steal_percent"].get<double>()) +
                                  "% during the run");
    if (!tokens_stable) rec["warnings"].push_back("greedy tokens differ between repetitions");
    rec["token_mismatch"] = !tokens_stable;
    return rec;
}

// Step 4 (--roofline, decode records). Probed with a buffer the size of one step's weights
// (roofline.h says why), once per (threads, bytes).
void add_roofline(nlohmann::json& rec, const Config& cfg, std::map<std::pair<int, long>, double>& bandwidth_gbps) {
    const ModelFiles files = locate_model(cfg.model);  // config.json, or a GGUF's metadata
    const ModelConfig mc = files.gguf ? load_gguf_model(files.weights).config : ModelConfig::load(cfg.model);
    const double tps = rec["metrics"]["decode_tokens_per_second"]["median"].get<double>();
    const double bytes = decode_weight_bytes(mc, kernels::make_kernel_set(cfg.kernels).weights), gbps = bytes * tps / 1e9;
    const auto key = std::make_pair(cfg.threads, static_cast<long>(bytes));
    if (!bandwidth_gbps.count(key)) bandwidth_gbps[key] = measure_read_bandwidth(cfg.threads, static_cast<std::size_t>(bytes));
    const double bw = bandwidth_gbps[key];
    rec["roofline"] = {{"weight_bytes_per_token", bytes},
                       {"achieved_gbps", gbps},
                       {"achieved_gflops", decode_matmul_flops(mc) * tps / 1e9},
                       {"probe_bytes", static_cast<double>(bytes)},
                       {"measured_read_gbps", bw},
                       {"roofline_tokens_per_second", bw * 1e9 / bytes},
                       {"percent_of_roofline", 100.0 * gbps / bw}};
}

// Step 5. A fast wrong kernel must never look like a win: every configuration of a case must
// produce the greedy tokens of the naive set with the same weight format (or of the first
// such configuration without naive). bf16 or quantized weights are a different model, whose
// greedy tokens may rightly differ from f32's (verify holds them to their budgets), and so are
// acts=q8 or acts=bf16 activations, so each (weights, acts) pair is checked against its own reference.
void check_tokens(std::vector<nlohmann::json>& records, const std::vector<std::string>& cases) {
    auto set_of = [](const nlohmann::json& r) { return kernels::make_kernel_set(r["kernels"].get<std::string>()); };
    auto all_naive = [](const kernels::KernelSet& ks) {
        return std::all_of(ks.names.begin(), ks.names.end(), [](const std::string& n) { return n == "naive"; });
    };
    for (const auto& c : cases) {
        for (const auto format : {kernels::WeightFormat::f32, kernels::WeightFormat::bf16, kernels::WeightFormat::q8_0,
                                  kernels::WeightFormat::q4_0})
        for (const auto acts : {kernels::DataFormat::f32, kernels::DataFormat::bf16, kernels::DataFormat::q8}) {
            auto mine = [&](const nlohmann::json& r) {
                const auto ks = set_of(r);
                return r["case"] == c && ks.weights == format && ks.acts == acts;
            };
            std::string ref;
            for (const auto& r : records)
                if (mine(r) && all_naive(set_of(r))) ref = r["tokens_hash"];
            for (const auto& r : records)
                if (mine(r) && ref.empty()) ref = r["tokens_hash"];
            for (auto& r : records)
                if (mine(r) && r["tokens_hash"] != ref) {
                    r["token_mismatch"] = true;
                    r["warnings"].push_back("greedy tokens differ from the reference configuration's");
                }
        }
    }
}

}  // namespace

std::vector<nlohmann::json> run_workload(const Workload& w, const BenchOptions& o, const Progress& progress) {
    const std::filesystem::path model = o.root / w.model;
    if (!std::filesystem::exists(model) || !std::filesystem::exists(locate_model(model).weights))
        throw Error("workload " + w.name + ": no model at " + model.string() + " (run scripts/fetch-models.sh)");
    const std::vector<std::string> cases = workload_cases(w, o.sessions);
    const kernels::RunPlan plan = kernels::plan_runs(o.kernel_sets, o.threads, o.skip_equivalent);
    const int total = static_cast<int>(cases.size() * plan.runs.size()) / o.shard_count *
                      (o.repetitions + (o.warmup < 0 ? 3 : o.warmup));
    Repeater repeater(o, progress, total);
    std::vector<nlohmann::json> records;
    std::map<std::pair<int, long>, double> bandwidth_gbps;  // --roofline probe per (threads, bytes)
    int config_index = -1;
    for (const auto& c : cases) {
        for (const auto& [ks, th] : plan.runs) {
            if (++config_index % o.shard_count != o.shard_index) continue;
            const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(th));
            const Config cfg{w, model, c, ks, th};
            const StealMeter steal;
            const WarmUp wu = warm_up(cfg, o, repeater);
            const std::vector<Rep> reps = repetitions(cfg, o, wu, repeater);
            nlohmann::json rec = make_record(cfg, o, wu, reps, steal);
            // Not for serve: one step's weights feed several tokens, which the roofline's
            // bytes-per-token model and the solo profile do not describe.
            const bool decode_case = rec["metrics"].contains("decode_tokens_per_second") && w.kind != "serve";
            if (o.roofline && decode_case) add_roofline(rec, cfg, bandwidth_gbps);
            if (o.profile && decode_case) rec["profile"] = profile_decode(w, model, ks);
            records.push_back(std::move(rec));
        }
    }
    check_tokens(records, cases);
    return records;
}

std::string bench_table(const std::vector<nlohmann::json>& records) {
    std::string s;
    char line[512];
    std::snprintf(line, sizeof line, "%-8s %-11s %-10s %3s %20s %20s %11s %17s %s\n", "workload", "case", "kernels", "thr",
                  "prefill tok/s", "decode tok/s", "TTFT ms", "ITL p50/p99 ms", "tokens");
    s += line;
    auto cell = [](const nlohmann::json& r, const char* m) -> std::string {
        if (!r["metrics"].contains(m)) return "-";
        char b[64];
        std::snprintf(b, sizeof b, "%.1f ± %.1f", r["metrics"][m]["median"].get<double>(), r["metrics"][m]["stddev"].get<double>());
        return b;
    };
    for (const auto& r : records) {
        std::string itl = "-";
        if (r["metrics"].contains("itl_p50_ms")) {
            char b[64];
            std::snprintf(b, sizeof b, "%.3f/%.3f", r["metrics"]["itl_p50_ms"]["median"].get<double>(),
                          r["metrics"]["itl_p99_ms"]["median"].get<double>());
            itl = b;
        }
        char ttft[32];
        std::snprintf(ttft, sizeof ttft, "%.2f", r["metrics"]["ttft_ms"]["median"].get<double>());
        std::snprintf(line, sizeof line, "%-8s %-11s %-10s %3d %20s %20s %11s %17s %s\n",
                      r["workload"].get<std::string>().c_str(), r["case"].get<std::string>().c_str(),
                      r["kernels"].get<std::string>().c_str(), r["threads"].get<int>(), cell(r, "prefill_tokens_per_second").c_str(),
                      cell(r, "decode_tokens_per_second").c_str(), ttft, itl.c_str(),
                      r["token_mismatch"].get<bool>() ? "MISMATCH" : "ok");
        s += line;
    }
    return s;
}

std::string roofline_table(const std::vector<nlohmann::json>& records) {
    std::string s;
    char line[256];
    for (const auto& r : records) {
        if (!r.contains("roofline")) continue;
        if (s.empty()) {
            std::snprintf(line, sizeof line, "%-8s %-11s %-10s %3s %12s %10s %10s %12s %12s %8s\n", "workload", "case",
                          "kernels", "thr", "MB/token", "GB/s", "GFLOP/s", "probe GB/s", "roof tok/s", "% roof");
            s += line;
        }
        const auto& f = r["roofline"];
        std::snprintf(line, sizeof line, "%-8s %-11s %-10s %3d %12.2f %10.2f %10.2f %12.2f %12.1f %7.1f%%\n",
                      r["workload"].get<std::string>().c_str(), r["case"].get<std::string>().c_str(),
                      r["kernels"].get<std::string>().c_str(), r["threads"].get<int>(),
                      f["weight_bytes_per_token"].get<double>() / 1e6, f["achieved_gbps"].get<double>(),
                      f["achieved_gflops"].get<double>(), f["measured_read_gbps"].get<double>(),
                      f["roofline_tokens_per_second"].get<double>(), f["percent_of_roofline"].get<double>());
        s += line;
    }
    return s;
}

}  // namespace lmh::bench
