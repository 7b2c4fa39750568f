#include "engine/serve.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>

#include "engine/sampler.h"
#include "util/error.h"

namespace lmh {
namespace {

using clock = std::chrono::steady_clock;

struct Running {
    int request = 0;
    int slot = 0;
    int last = 0;  // the token to feed at the next step
};

void check(const Batch& batch, std::span<const ServeRequest> requests, const ServeOptions& o) {
    if (o.max_batch < 1 || o.max_batch > batch.capacity())
        throw Error("serve: max_batch " + std::to_string(o.max_batch) + " is not in [1, " + std::to_string(batch.capacity()) + "]");
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const ServeRequest& r = requests[i];
        if (i > 0 && r.arrival_seconds < requests[i - 1].arrival_seconds)
            throw Error("serve: request " + std::to_string(i) + " arrives before request " + std::to_string(i - 1));
        if (r.reply_tokens < 1) throw Error("serve: request " + std::to_string(i) + " asks for fewer than 1 token");
        if (r.prompt.empty()) throw Error("serve: request " + std::to_string(i) + " has an empty prompt");
    }
}

}  // namespace

ServeResult serve(Batch& batch, std::span<const ServeRequest> requests, const ServeOptions& o) {
    check(batch, requests, o);
    const std::size_t N = requests.size();
    const std::size_t V = static_cast<std::size_t>(batch.config().vocab);
    ServeResult res;
    res.requests.resize(N);
    long most_steps = 0;
    for (std::size_t i = 0; i < N; ++i) {
        res.requests[i].arrival = requests[i].arrival_seconds;
        res.requests[i].token_times.reserve(static_cast<std::size_t>(requests[i].reply_tokens));
        res.requests[i].tokens.reserve(static_cast<std::size_t>(requests[i].reply_tokens));
        most_steps += requests[i].reply_tokens;
    }
    res.batch_sizes.reserve(static_cast<std::size_t>(most_steps));
    res.step_times.reserve(static_cast<std::size_t>(most_steps));
    std::vector<Running> running;
    std::vector<int> slots, tokens;
    running.reserve(static_cast<std::size_t>(o.max_batch));
    slots.reserve(static_cast<std::size_t>(o.max_batch));
    tokens.reserve(static_cast<std::size_t>(o.max_batch));

    const auto start = clock::now();
    auto now = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
    auto emit = [&](RequestTrace& t, int token, double at) {
        t.tokens.push_back(token);
        t.token_times.push_back(at);
    };
    std::size_t next = 0, done = 0;
    while (done < N) {
        // 1. admit
        int admitted = 0;
        while (next < N && requests[next].arrival_seconds <= now() && static_cast<int>(running.size()) < o.max_batch &&
               (o.max_prefills_per_step <= 0 || admitted < o.max_prefills_per_step)) {
            const ServeRequest& r = requests[next];
            const int slot = batch.add();
            Session& s = batch.sequence(slot);
            if (static_cast<int>(r.prompt.size()) + r.reply_tokens > s.context()) {
                batch.remove(slot);
                throw Error("serve: request " + std::to_string(next) + " (" + std::to_string(r.prompt.size()) + " prompt + " +
                            std::to_string(r.reply_tokens) + " reply tokens) does not fit the context of " +
                            std::to_string(s.context()));
            }
            const double t0 = now();
            const int token = argmax(s.forward(r.prompt));
            const double t1 = now();
            res.prefill_seconds += t1 - t0;
            res.prompt_tokens += static_cast<long>(r.prompt.size());
            RequestTrace& t = res.requests[next];
            t.first_token = t1;
            emit(t, token, t1);
            if (r.reply_tokens == 1) {
                batch.remove(slot);
                ++done;
            } else {
                running.push_back({static_cast<int>(next), slot, token});
            }
            ++next;
            ++admitted;
        }
        if (running.empty()) {
            if (next < N)
                std::this_thread::sleep_for(std::chrono::duration<double>(std::max(0.0, requests[next].arrival_seconds - now())));
            continue;
        }
        // 2. decode
        slots.clear();
        tokens.clear();
        for (const Running& r : running) {
            slots.push_back(r.slot);
            tokens.push_back(r.last);
        }
        const double t0 = now();
        const auto logits = batch.step(slots, tokens);
        const double t1 = now();
        res.decode_seconds += t1 - t0;
        res.decode_tokens += static_cast<long>(running.size());
        res.batch_sizes.push_back(static_cast<int>(running.size()));
        res.step_times.push_back(t0);
        // 3. retire
        for (std::size_t i = 0; i < running.size(); ++i) {
            Running& r = running[i];
            r.last = argmax(logits.subspan(i * V, V));
            RequestTrace& t = res.requests[static_cast<std::size_t>(r.request)];
            emit(t, r.last, t1);
            if (static_cast<int>(t.tokens.size()) == requests[static_cast<std::size_t>(r.request)].reply_tokens) {
                batch.remove(r.slot);
                ++done;
                r.request = -1;
            }
        }
        std::erase_if(running, [](const Running& r) { return r.request < 0; });
    }
    res.wall_seconds = now();
    return res;
}

}  // namespace lmh
