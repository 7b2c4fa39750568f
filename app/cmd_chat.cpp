// `lmharness chat`: a multi-turn conversation with the chat model. Interactive (or piped)
// REPL by default; `--transcript FILE` runs a fixed conversation for tests and benchmarks.
#include <cstdio>

#include "app/chat_console.h"
#include "app/commands.h"
#include "app/options.h"
#include "engine/chat_session.h"
#include "engine/chat_transcript.h"
#include "util/error.h"

namespace lmh::app {
namespace {

struct ChatOptions {
    std::string model = "models/chat";
    std::string system = "You are a helpful assistant.";
    int max_reply_tokens = 256;
    bool ignore_eos = false;
    bool no_think = false;
    std::string transcript;
    bool json = false;
    RunOptions run;
    SamplingOptions sampling;
};

void announce_weights(const Weights& w) {
    if (w.synthetic())
        std::fprintf(stderr, "chat: %s holds SYNTHETIC weights (random, from `lmharness synth`): real cost, meaningless replies\n",
                     w.file().string().c_str());
    else
        std::fprintf(stderr, "chat: loaded %s\n", w.file().string().c_str());
}

void run_chat(const ChatOptions& o) {
    const auto limit = o.run.limit_threads();
    validate(o.sampling.params);
    ChatTranscript tr;
    if (!o.transcript.empty()) tr = read_chat_transcript(o.transcript);
    const std::string system = tr.system.value_or(o.system);
    const std::filesystem::path dir(o.model);
    // The template first: an unsupported one is refused before the weights are read.
    if (!std::filesystem::is_directory(dir)) throw Error("model directory not found: " + dir.string());
    ChatTemplateOptions template_options;
    if (o.no_think) template_options.enable_thinking = false;
    auto chat_template = ChatTemplate::from_tokenizer_config(dir / "tokenizer_config.json", template_options);
    auto weights = Weights::load(dir);
    announce_weights(*weights);
    if (o.no_think && chat_template.family() != ChatTemplateFamily::Qwen3)
        std::fprintf(stderr, "chat: --no-think has no effect on the %s template\n", std::string(chat_template.name()).c_str());
    ChatSession chat(weights, o.run.kernel_set(), Tokenizer::load(dir / "tokenizer.json"), std::move(chat_template),
                     o.sampling.params, system);
    ChatTurnOptions to;
    to.max_reply_tokens = o.max_reply_tokens;
    to.ignore_eos = o.ignore_eos;
    if (o.transcript.empty()) return run_chat_repl(chat, to);
    run_chat_transcript(chat, tr, to, {o.model, weights->synthetic(), system}, o.json);
}

}  // namespace

void add_chat_command(CLI::App& app) {
    auto [cmd, o] = add_command<ChatOptions>(
        app, "chat", "Hold a multi-turn conversation (one user message per line on stdin)", run_chat);
    add_model_option(*cmd, o->model);
    cmd->add_option("--system", o->system, "System prompt (empty for none)")->capture_default_str();
    cmd->add_option("--max-reply-tokens", o->max_reply_tokens, "Longest reply in tokens")
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20).description("an integer >= 1"));
    cmd->add_flag("--ignore-eos", o->ignore_eos, "Always generate --max-reply-tokens tokens (fixed work for benchmarks)");
    cmd->add_flag("--no-think", o->no_think,
                  "Qwen3: render with enable_thinking=false (an empty <think></think> in the generation prompt); "
                  "by default enable_thinking is undefined, which the template treats as thinking on");
    cmd->add_option("--transcript", o->transcript,
                    "Run the conversation in this JSON file: {\"system\": \"...\", \"turns\": [\"...\", ...]}");
    cmd->add_flag("--json", o->json, "With --transcript: print per-turn ids, text and timings as JSON");
    o->run.add_to(*cmd);
    o->sampling.add_to(*cmd);
}

}  // namespace lmh::app
