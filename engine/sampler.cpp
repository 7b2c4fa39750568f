#include "engine/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "util/error.h"

namespace lmh {

void validate(const SamplerParams& p) {
    if (!(p.temperature >= 0.0f) || !std::isfinite(p.temperature))
        throw Error("temperature must be a finite number >= 0, got " + std::to_string(p.temperature));
    if (p.top_k < 0) throw Error("top-k must be >= 0 (0 disables it), got " + std::to_string(p.top_k));
    if (!(p.top_p > 0.0f && p.top_p <= 1.0f)) throw Error("top-p must be in (0, 1], got " + std::to_string(p.top_p));
}

int argmax(std::span<const float> logits) {
    int best = 0;
    for (int i = 1; i < static_cast<int>(logits.size()); ++i)
        if (logits[i] > logits[best]) best = i;
    return best;
}

Sampler::Sampler(SamplerParams params, int vocab)
    : params_(params), rng_(params.seed), order_(static_cast<std::size_t>(vocab)), probs_(static_cast<std::size_t>(vocab)) {
    validate(params_);
}

int Sampler::sample(std::span<const float> logits) {
    if (greedy()) return argmax(logits);
    const int V = static_cast<int>(logits.size());
    // Candidates sorted by logit (ties by id, so the order is fully determined).
    std::iota(order_.begin(), order_.begin() + V, 0);
    auto by_logit = [&](int a, int b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); };
    int n = V;
    if (params_.top_k > 0 && params_.top_k < V) {
        n = params_.top_k;
        std::partial_sort(order_.begin(), order_.begin() + n, order_.begin() + V, by_logit);
    } else {
        std::sort(order_.begin(), order_.begin() + V, by_logit);
    }
    // Softmax of logit / T over the candidates, in double.
    const double inv_t = 1.0 / params_.temperature;
    const double mx = logits[order_[0]];
    double sum = 0.0;
    for (int i = 0; i < n; ++i) {
        probs_[i] = std::exp((logits[order_[i]] - mx) * inv_t);
        sum += probs_[i];
    }
    // Nucleus: the smallest prefix whose mass reaches top_p.
    if (params_.top_p < 1.0f) {
        double acc = 0.0;
        int keep = n;
        for (int i = 0; i < n; ++i) {
            acc += probs_[i] / sum;
            if (acc >= params_.top_p) {
                keep = i + 1;
                break;
            }
        }
        n = keep;
        sum = 0.0;
        for (int i = 0; i < n; ++i) sum += probs_[i];
    }
    const double r = rng_.uniform() * sum;
    double acc = 0.0;
    for (int i = 0; i < n; ++i) {
        acc += probs_[i];
        if (r < acc) return order_[i];
    }
    return order_[n - 1];
}

}  // namespace lmh
