#include "bench/serve_run.h"

#include <cmath>

#include "bench/stats.h"
#include "util/error.h"

namespace lmh::bench {
namespace {

// splitmix64 (Steele, Lea, Flood 2014): a fixed stream, unlike std:: distributions, whose
// algorithms the standard leaves to the library.
std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// p50/p90/p99 of v as name_p50_ms...; nothing when v is empty.
void add_percentiles(std::map<std::string, double>& out, const std::string& name, const std::vector<double>& v_ms) {
    if (v_ms.empty()) return;
    for (int p : {50, 90, 99}) out[name + "_p" + std::to_string(p) + "_ms"] = percentile(v_ms, p);
}

}  // namespace

std::vector<double> arrival_schedule(const std::string& kind, int n, double rate_per_second, std::uint64_t seed) {
    std::vector<double> t(static_cast<std::size_t>(n), 0.0);
    if (kind == "all") return t;
    std::uint64_t state = seed;
    double at = 0;
    for (double& x : t) {
        const double u = static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53;  // [0, 1)
        at += -std::log1p(-u) / rate_per_second;
        x = at;
    }
    return t;
}

std::vector<ServeRequest> serve_requests(const Workload& w, int sessions, const Tokenizer& tokenizer,
                                         const ChatTemplate& chat_template) {
    const auto arrivals = arrival_schedule(w.arrival, sessions, w.rate_per_second, w.seed);
    std::vector<ServeRequest> out;
    for (int i = 0; i < sessions; ++i) {
        std::vector<ChatMessage> msgs;
        if (!w.system.empty()) msgs.push_back({"system", w.system});
        msgs.push_back({"user", w.turns[static_cast<std::size_t>(i) % w.turns.size()]});
        ServeRequest r;
        r.arrival_seconds = arrivals[static_cast<std::size_t>(i)];
        r.prompt = tokenizer.encode(chat_template.render(msgs, true), false);
        r.reply_tokens = w.reply_lengths[static_cast<std::size_t>(i) % w.reply_lengths.size()];
        out.push_back(std::move(r));
    }
    return out;
}

ServeSummary summarize_serve(const ServeResult& r, double slo_ttft_ms, double slo_tpot_ms) {
    ServeSummary s;
    std::vector<double> ttft, tpot, itl, e2e;
    int good = 0;
    for (const RequestTrace& t : r.requests) {
        const double first_ms = 1e3 * (t.first_token - t.arrival);
        const double end_ms = 1e3 * (t.token_times.back() - t.arrival);
        ttft.push_back(first_ms);
        e2e.push_back(end_ms);
        const std::size_t n = t.token_times.size();
        const double per_token = n > 1 ? (end_ms - first_ms) / static_cast<double>(n - 1) : 0.0;
        if (n > 1) tpot.push_back(per_token);
        for (std::size_t i = 1; i < n; ++i) itl.push_back(1e3 * (t.token_times[i] - t.token_times[i - 1]));
        if (first_ms <= slo_ttft_ms && per_token <= slo_tpot_ms) ++good;
        s.tokens.insert(s.tokens.end(), t.tokens.begin(), t.tokens.end());
        s.generated += static_cast<int>(n);
    }
    s.prompt_tokens = static_cast<int>(r.prompt_tokens);
    s.batch_sizes = r.batch_sizes;
    const double wall = r.wall_seconds > 0 ? r.wall_seconds : 1e-9;
    auto& m = s.samples;
    m["decode_tokens_per_second"] = r.decode_seconds > 0 ? static_cast<double>(r.decode_tokens) / r.decode_seconds : 0.0;
    m["output_tokens_per_second"] = s.generated / wall;
    m["prefill_tokens_per_second"] = r.prefill_seconds > 0 ? static_cast<double>(r.prompt_tokens) / r.prefill_seconds : 0.0;
    m["requests_per_second"] = static_cast<double>(r.requests.size()) / wall;
    m["goodput_requests_per_second"] = good / wall;
    m["goodput_percent"] = 100.0 * good / static_cast<double>(r.requests.size());
    m["ttft_ms"] = median(ttft);
    m["wall_ms"] = 1e3 * r.wall_seconds;
    double rows = 0;
    for (int b : r.batch_sizes) rows += b;
    m["mean_batch_size"] = r.batch_sizes.empty() ? 0.0 : rows / static_cast<double>(r.batch_sizes.size());
    add_percentiles(m, "ttft", ttft);
    add_percentiles(m, "tpot", tpot);
    add_percentiles(m, "itl", itl);
    add_percentiles(m, "e2e", e2e);
    return s;
}

std::string serve_case(int sessions) { return "serve" + std::to_string(sessions); }

int serve_sessions(const std::string& case_name) {
    if (case_name.rfind("serve", 0) != 0 || case_name.size() == 5) return 0;
    int n = 0;
    for (std::size_t i = 5; i < case_name.size(); ++i) {
        if (case_name[i] < '0' || case_name[i] > '9' || n > 100000) return 0;
        n = n * 10 + (case_name[i] - '0');
    }
    return n;
}

}  // namespace lmh::bench
