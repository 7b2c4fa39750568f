// The serve workload (bench/workloads/serve.json, kind "serve"): builds the requests and
// their arrival schedule from the workload, runs engine/serve.h once, and turns the traces
// into the record's samples: aggregate decode tokens/s, request throughput, TTFT / TPOT /
// ITL percentiles over requests, end-to-end latency, goodput at the workload's SLOs.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "bench/workload.h"
#include "engine/chat_template.h"
#include "engine/serve.h"
#include "engine/tokenizer.h"

namespace lmh::bench {

// Arrival times (s) of n requests: all 0, or a Poisson process of rate r: exponential gaps
// -ln(1 - u) / r with u from a splitmix64 stream of `seed` (same schedule on any platform).
std::vector<double> arrival_schedule(const std::string& kind, int n, double rate_per_second, std::uint64_t seed);

// Request i: the chat template over [system, turns[i % turns]] with the generation prompt,
// reply_lengths[i % reply_lengths] tokens, at its scheduled arrival.
std::vector<ServeRequest> serve_requests(const Workload& w, int sessions, const Tokenizer& tokenizer,
                                         const ChatTemplate& chat_template);

struct ServeSummary {
    std::map<std::string, double> samples;  // one value per metric for this run (README names them)
    std::vector<int> tokens;                // every request's tokens, request by request
    std::vector<int> batch_sizes;           // the batch-size trace
    int generated = 0, prompt_tokens = 0;
};

// Metrics of one serve() result; SLOs in ms (goodput: requests with TTFT <= slo_ttft_ms and
// TPOT <= slo_tpot_ms, per second of wall time).
ServeSummary summarize_serve(const ServeResult& r, double slo_ttft_ms, double slo_tpot_ms);

// "serve<N>": the case name of a serve run with N sessions; 0 when the name is not one.
std::string serve_case(int sessions);
int serve_sessions(const std::string& case_name);

}  // namespace lmh::bench
