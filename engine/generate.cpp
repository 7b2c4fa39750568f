#include "engine/generate.h"

#include <algorithm>
#include <chrono>

namespace lmh {

GenerationStats generate(Session& session, Sampler& sampler, std::span<const int> prompt,
                         std::span<const int> stop_ids, const GenerationOptions& options,
                         const TokenCallback& on_token) {
    using clock = std::chrono::steady_clock;
    GenerationStats st;
    st.prompt_tokens = static_cast<int>(prompt.size());
    const auto t0 = clock::now();
    std::span<const float> logits = session.forward(prompt);
    const auto t1 = clock::now();
    st.prefill_seconds = std::chrono::duration<double>(t1 - t0).count();
    auto decode_start = t1;
    for (int i = 0; i < options.max_tokens; ++i) {
        const int token = sampler.sample(logits);
        if (i == 0) st.first_token_seconds = std::chrono::duration<double>(clock::now() - t0).count();
        const bool is_stop = std::find(stop_ids.begin(), stop_ids.end(), token) != stop_ids.end();
        if (is_stop && !options.ignore_eos) {
            st.stopped_by_eos = true;
            break;
        }
        ++st.generated;
        if (on_token && !on_token(token)) break;
        if (i + 1 == options.max_tokens) break;
        if (session.position() >= session.context()) {
            st.stopped_by_context = true;
            break;
        }
        const int one[1] = {token};
        logits = session.forward(one);
        ++st.decode_forwards;
    }
    st.decode_seconds = std::chrono::duration<double>(clock::now() - decode_start).count();
    return st;
}

}  // namespace lmh
