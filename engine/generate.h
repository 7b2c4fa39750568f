// generate: the text-generation loop around Session::forward, shared by `story`, `chat`
// and bench. Prefill the prompt in one call, then decode one token at a time until a stop
// id, the token budget or the context window ends it.
#pragma once

#include <functional>
#include <span>

#include "engine/sampler.h"
#include "engine/session.h"

namespace lmh {

struct GenerationStats {
    int prompt_tokens = 0;
    int generated = 0;
    double prefill_seconds = 0;
    double decode_seconds = 0;   // from the end of the prefill to the last token
    int decode_forwards = 0;     // single-token forward passes in decode_seconds
    double first_token_seconds = 0;  // prefill + first sample
    bool stopped_by_eos = false;
    bool stopped_by_context = false;
    double prefill_tokens_per_second() const { return prefill_seconds > 0 ? prompt_tokens / prefill_seconds : 0; }
    double decode_tokens_per_second() const { return decode_seconds > 0 ? decode_forwards / decode_seconds : 0; }
};

struct GenerationOptions {
    int max_tokens = 256;
    bool ignore_eos = false;       // benchmarks: fixed work whatever is sampled
};

// Called with each generated token as soon as it is sampled; stop ids are not passed on.
// Returns false to stop early.
using TokenCallback = std::function<bool(int token)>;

GenerationStats generate(Session& session, Sampler& sampler, std::span<const int> prompt,
                         std::span<const int> stop_ids, const GenerationOptions& options,
                         const TokenCallback& on_token);

}  // namespace lmh
