// `lmharness story`: write a story with the TinyStories model, streaming it to stdout.
#include <iostream>
#include <string>

#include "app/commands.h"
#include "app/options.h"
#include "util/error.h"
#include "engine/generate.h"
#include "engine/model_files.h"
#include "engine/tokenizer.h"
#include "engine/weights.h"

namespace lmh::app {
namespace {

struct StoryOptions {
    std::string model = "models/story";
    std::string prompt = "Once upon a time";
    GenerationCli gen;
};

void run_story(const StoryOptions& o) {
    const auto limit = o.gen.start();
    auto weights = Weights::load(o.model);
    const Tokenizer tok = Tokenizer::load(locate_model(o.model).dir / "tokenizer.json");
    if (tok.vocab_size() > weights->config().vocab)
        throw Error("tokenizer.json has " + std::to_string(tok.vocab_size()) + " tokens but the model only " +
                    std::to_string(weights->config().vocab));
    Session session(weights, o.gen.run.kernel_set());
    Sampler sampler(o.gen.sampling.params, weights->config().vocab);
    const std::vector<int> prompt = tok.encode(o.prompt, true);
    if (static_cast<int>(prompt.size()) > session.context())
        throw Error("the prompt has " + std::to_string(prompt.size()) + " tokens, more than the context window of " +
                    std::to_string(session.context()));

    // The prompt is echoed so stdout reads as the whole story.
    std::cout << o.prompt << std::flush;
    StreamDecoder dec(tok, true);
    // Feed the prompt through the decoder first so the leading-space rule applies once.
    for (int id : prompt) (void)dec.push(id);
    GenerationOptions go;
    go.max_tokens = o.gen.max_tokens;
    const auto st = generate(session, sampler, prompt, weights->config().eos_ids, go, [&](int token) {
        std::cout << dec.push(token) << std::flush;
        return true;
    });
    std::cout << dec.flush() << "\n" << std::flush;
    std::fprintf(stderr, "[%s] prompt %d tokens at %.1f tok/s, generated %d tokens at %.1f tok/s%s (kernels %s)\n",
                 weights->synthetic() ? "synthetic weights" : "model", st.prompt_tokens, st.prefill_tokens_per_second(),
                 st.generated, st.decode_tokens_per_second(),
                 st.stopped_by_eos ? ", stopped at end of story" : st.stopped_by_context ? ", context window full" : "",
                 session.kernels().describe().c_str());
}

}  // namespace

void add_story_command(CLI::App& app) {
    auto [cmd, opts] =
        add_command<StoryOptions>(app, "story", "Write a story with the TinyStories model, streamed to stdout", run_story);
    add_model_option(*cmd, opts->model);
    cmd->add_option("-p,--prompt", opts->prompt, "The story's beginning")->capture_default_str();
    opts->gen.add_budget(*cmd, "-n,--max-tokens", "Stop after this many generated tokens");
    opts->gen.add_to(*cmd);
}

}  // namespace lmh::app
