// Sampler: picks the next token from logits. Greedy when temperature is 0 or top_k is 1;
// otherwise temperature, then top-k, then top-p (nucleus) filtering, then a draw from the
// seeded portable RNG. Buffers are sized once for the vocabulary.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/rng.h"

namespace lmh {

struct SamplerParams {
    float temperature = 0.8f;
    int top_k = 40;        // 0: no top-k limit
    float top_p = 0.95f;   // 1: no nucleus limit
    std::uint64_t seed = 42;
};

// Throws lmh::Error for values outside their domain (temperature < 0, top_k < 0,
// top_p outside (0, 1]).
void validate(const SamplerParams& p);

class Sampler {
public:
    Sampler(SamplerParams params, int vocab);
    int sample(std::span<const float> logits);
    bool greedy() const { return params_.temperature == 0.0f || params_.top_k == 1; }

private:
    SamplerParams params_;
    Rng rng_;
    std::vector<int> order_;
    std::vector<double> probs_;
};

// Index of the largest logit, the lowest index on ties (as torch.argmax / numpy.argmax).
int argmax(std::span<const float> logits);

}  // namespace lmh
