// `lmharness chat`: a multi-turn conversation with the chat model. Interactive (or piped)
// REPL by default; `--transcript FILE` runs a fixed conversation for tests and benchmarks.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/options.h"
#include "engine/chat_session.h"
#include "engine/model_files.h"
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

struct Transcript {
    std::string system;
    bool has_system = false;
    std::vector<std::string> turns;
};

Transcript read_transcript(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open transcript " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception&) {
        throw Error(path + ": not valid JSON (expected {\"system\": \"...\", \"turns\": [\"...\", ...]})");
    }
    Transcript t;
    if (!j.is_object()) throw Error(path + ": expected a JSON object with a \"turns\" array");
    if (j.contains("system")) {
        if (!j["system"].is_string()) throw Error(path + ": field 'system' must be a string");
        t.system = j["system"].get<std::string>();
        t.has_system = true;
    }
    if (!j.contains("turns") || !j["turns"].is_array()) throw Error(path + ": field 'turns' must be an array of strings");
    for (std::size_t i = 0; i < j["turns"].size(); ++i) {
        if (!j["turns"][i].is_string()) throw Error(path + ": turns[" + std::to_string(i) + "] must be a string");
        t.turns.push_back(j["turns"][i].get<std::string>());
    }
    if (t.turns.empty()) throw Error(path + ": field 'turns' is empty");
    return t;
}

void announce_weights(const Weights& w) {
    if (w.synthetic())
        std::fprintf(stderr, "chat: %s holds SYNTHETIC weights (random, from `lmharness synth`): real cost, meaningless replies\n",
                     w.file().string().c_str());
    else
        std::fprintf(stderr, "chat: loaded %s\n", w.file().string().c_str());
}

nlohmann::json turn_json(const std::string& user, const ChatTurnResult& r) {
    auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    return {{"user", user},
            {"text_added", r.text_added},
            {"prefill_ids", r.prefill_ids},
            {"prefill_tokens", r.prefill_ids.size()},
            {"reply_ids", r.reply_ids},
            {"reply_text", r.reply_text},
            {"prefill_seconds", r.prefill_seconds},
            {"prefill_tokens_per_second", rate(static_cast<double>(r.prefill_ids.size()), r.prefill_seconds)},
            {"first_token_seconds", r.first_token_seconds},
            {"decode_seconds", r.decode_seconds},
            {"decode_tokens_per_second", rate(r.decode_forwards, r.decode_seconds)},
            {"stopped_by_eos", r.stopped_by_eos},
            {"dropped_turns", r.dropped_turns},
            {"rebuilt_cache", r.rebuilt_cache},
            {"position_after", r.position_after}};
}

void run_chat(const ChatOptions& o) {
    const auto limit = o.run.limit_threads();
    validate(o.sampling.params);
    Transcript tr;
    if (!o.transcript.empty()) tr = read_transcript(o.transcript);
    const std::filesystem::path dir = locate_model(o.model).dir;  // the side files' folder (beside a .gguf)
    // The template first: an unsupported one is refused before the weights are read.
    ChatTemplateOptions template_options;
    if (o.no_think) template_options.enable_thinking = false;
    auto chat_template = ChatTemplate::from_tokenizer_config(dir / "tokenizer_config.json", template_options);
    auto weights = Weights::load(o.model);
    announce_weights(*weights);
    if (o.no_think && chat_template.family() != ChatTemplateFamily::Qwen3)
        std::fprintf(stderr, "chat: --no-think has no effect on the %s template\n", std::string(chat_template.name()).c_str());
    ChatSession chat(weights, o.run.kernel_set(), Tokenizer::load(dir / "tokenizer.json"), std::move(chat_template),
                     o.sampling.params, tr.has_system ? tr.system : o.system);
    ChatTurnOptions to;
    to.max_reply_tokens = o.max_reply_tokens;
    to.ignore_eos = o.ignore_eos;
    auto notice = [](const ChatTurnResult& r) {
        if (r.dropped_turns > 0)
            std::fprintf(stderr, "chat: context window full: dropped the %d oldest turn%s and rebuilt the cache\n",
                         r.dropped_turns, r.dropped_turns == 1 ? "" : "s");
    };

    if (!o.transcript.empty()) {
        nlohmann::json out;
        out["model"] = o.model;
        out["synthetic_weights"] = weights->synthetic();
        out["kernels"] = chat.session().kernels().describe();
        out["system"] = tr.has_system ? tr.system : o.system;
        out["chat_template"] = chat.chat_template().name();
        for (const auto& user : tr.turns) {
            const auto r = chat.turn(user, to, o.json ? std::function<void(const std::string&)>() : [](const std::string& s) {
                std::cout << s << std::flush;
            });
            notice(r);
            if (o.json) out["turns"].push_back(turn_json(user, r));
            else std::cout << "\n";
        }
        if (o.json) std::cout << out.dump(1) << "\n";
        return;
    }

    const bool tty = ::isatty(STDIN_FILENO);
    if (tty) std::fprintf(stderr, "chat: type a message and press Enter; /reset starts over, /exit or Ctrl-D quits\n");
    std::string line;
    while (true) {
        if (tty) std::fprintf(stderr, "> ");
        if (!std::getline(std::cin, line)) break;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        if (line == "/exit" || line == "/quit") break;
        if (line == "/reset") {
            chat.reset();
            std::fprintf(stderr, "chat: conversation cleared\n");
            continue;
        }
        const auto r = chat.turn(line, to, [](const std::string& s) { std::cout << s << std::flush; });
        std::cout << "\n" << std::flush;
        notice(r);
        std::fprintf(stderr, "[prefilled %zu new tokens at %.0f tok/s, %zu reply tokens at %.0f tok/s, cache %d/%d]\n",
                     r.prefill_ids.size(), r.prefill_seconds > 0 ? r.prefill_ids.size() / r.prefill_seconds : 0.0,
                     r.reply_ids.size(), r.decode_seconds > 0 ? r.decode_forwards / r.decode_seconds : 0.0,
                     r.position_after, chat.session().context());
    }
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
