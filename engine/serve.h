// serve: the serving loop around Batch, as generate is the loop around Session: requests
// arrive on a schedule, are admitted into the running batch between decode steps
// (continuous batching), prefilled, decoded greedily to their reply length and retired.
//
// Scheduling policy, at every step boundary, in this order:
//   1. admit: requests whose arrival time has passed, first come first served, while the batch
//      has fewer than max_batch sequences (and at most max_prefills_per_step of them when that
//      is > 0); each is prefilled whole, alone (Session::forward), and its first token sampled
//      from the prefill's logits: prefill has priority over decode, as in vLLM's default
//      scheduler without chunked prefill, so time to first token stays short and running
//      sequences wait for at most those prefills;
//   2. decode: one Batch::step over every running sequence (rows in admission order);
//   3. retire: sequences that reached their reply length leave; their slots are free for the
//      next boundary.
// When nothing runs and nothing has arrived, the loop sleeps until the next arrival.
// Greedy sampling with EOS ignored: fixed work, so runs and kernel sets compare.
#pragma once

#include <span>
#include <vector>

#include "engine/batch.h"

namespace lmh {

struct ServeRequest {
    double arrival_seconds = 0;  // from the start of serve(); requests sorted by it
    std::vector<int> prompt;
    int reply_tokens = 1;        // tokens to generate (>= 1), the first from the prefill
};

struct ServeOptions {
    int max_batch = 8;             // sequences decoded together (<= the batch's capacity)
    int max_prefills_per_step = 0; // 0: admit every arrived request while there is room
};

// What happened to one request; times in seconds from the start of serve().
struct RequestTrace {
    double arrival = 0;
    double first_token = 0;       // end of its prefill (TTFT = first_token - arrival)
    std::vector<double> token_times;  // one per generated token, the first = first_token
    std::vector<int> tokens;
};

struct ServeResult {
    std::vector<RequestTrace> requests;  // in the order given
    std::vector<int> batch_sizes;        // sequences in each decode step, in step order
    std::vector<double> step_times;      // start of each decode step (s from start)
    double wall_seconds = 0;             // start to the last retirement
    double decode_seconds = 0;           // inside Batch::step
    double prefill_seconds = 0;          // inside prefills
    long decode_tokens = 0;              // tokens produced by decode steps
    long prompt_tokens = 0;
};

// Throws lmh::Error for unsorted arrivals, a reply length < 1, max_batch outside
// [1, batch.capacity()], or a request that cannot fit the batch's context.
ServeResult serve(Batch& batch, std::span<const ServeRequest> requests, const ServeOptions& options);

}  // namespace lmh
