// `lmharness chat`: a multi-turn conversation with the chat model. Interactive (or piped)
// REPL by default; `--transcript FILE` runs a fixed conversation for tests and benchmarks.
#include <cstdio>

#include "app/chat_console.h"
#include "app/commands.h"
#include "app/options.h"
#include "engine/chat_session.h"
#include "engine/chat_transcript.h"
#include "engine/model_files.h"
#include "util/error.h"

namespace lmh::app {
namespace {

struct ChatOptions {
    std::string model = "models/chat";
    std::string system = "You are a helpful assistant.";
    GenerationCli gen;  // max_tokens: the longest reply
    bool ignore_eos = false;
    bool no_think = false;
    std::string transcript;
    bool json = false;
};

void announce_weights(const Weights& w) {
    if (w.synthetic())
        std::fprintf(stderr, "chat: %s holds SYNTHETIC weights (random, from `lmharness synth`): real cost, meaningless replies\n",
                     w.file().string().c_str());
    else
        std::fprintf(stderr, "chat: loaded %s\n", w.file().string().c_str());
}

void run_chat(const ChatOptions& o) {
    const auto limit = o.gen.start();
    ChatTranscript tr;
    if (!o.transcript.empty()) tr = read_chat_transcript(o.transcript);
    const std::string system = tr.system.value_or(o.system);
    const std::filesystem::path dir = locate_model(o.model).dir;  // the side files' folder (beside a .gguf)
    // The template first: an unsupported one is refused before the weights are read.
    ChatTemplateOptions template_options;
    if (o.no_think) template_options.enable_thinking = false;
    auto chat_template = ChatTemplate::from_tokenizer_config(dir / "tokenizer_config.json", template_options);
    auto weights = Weights::load(o.model);
    announce_weights(*weights);
    if (o.no_think && chat_template.family() != ChatTemplateFamily::Qwen3)
        std::fprintf(stderr, "chat: --no-think has no effect on the %s template\n", std::string(chat_template.name()).c_str());
    ChatSession chat(weights, o.gen.run.kernel_set(), Tokenizer::load(dir / "tokenizer.json"), std::move(chat_template),
                     o.gen.sampling.params, system);
    ChatTurnOptions to;
    to.max_reply_tokens = o.gen.max_tokens;
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
    o->gen.add_budget(*cmd, "--max-reply-tokens", "Longest reply in tokens");
    cmd->add_flag("--ignore-eos", o->ignore_eos, "Always generate --max-reply-tokens tokens (fixed work for benchmarks)");
    cmd->add_flag("--no-think", o->no_think,
                  "Qwen3: render with enable_thinking=false (an empty <think></think> in the generation prompt); "
                  "by default enable_thinking is undefined, which the template treats as thinking on");
    cmd->add_option("--transcript", o->transcript,
                    "Run the conversation in this JSON file: {\"system\": \"...\", \"turns\": [\"...\", ...]}");
    cmd->add_flag("--json", o->json, "With --transcript: print per-turn ids, text and timings as JSON");
    o->gen.add_to(*cmd);
}

}  // namespace lmh::app
