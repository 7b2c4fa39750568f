// `lmharness tokenize` and `lmharness detokenize`: the model's tokenizer on its own.
#include <iostream>

#include "app/commands.h"
#include "app/options.h"
#include "util/error.h"
#include "engine/model_files.h"
#include "engine/tokenizer.h"

namespace lmh::app {
namespace {

struct TokenizeOptions {
    std::string model = "models/story";
    std::string text;
    bool no_special = false;
    TokenIdsOption ids;
    bool skip_special = false;
};

Tokenizer load_tokenizer(const std::string& model) {
    return Tokenizer::load(locate_model(model).dir / "tokenizer.json");
}

constexpr const char* kModelHelp =
    "Model directory (its tokenizer.json: BPE with byte fallback, or byte-level BPE as models/llama3, models/qwen3)";

}  // namespace

void add_token_commands(CLI::App& app) {
    auto o = std::make_shared<TokenizeOptions>();
    CLI::App* tok = app.add_subcommand("tokenize", "Print the token ids of a text as a JSON array");
    add_model_option(*tok, o->model, kModelHelp);
    tok->add_option("--text", o->text, "The text to encode")->required();
    tok->add_flag("--no-special", o->no_special, "Do not add the post-processor's special tokens (e.g. BOS)");
    tok->callback([o] {
        const auto ids = load_tokenizer(o->model).encode(o->text, !o->no_special);
        std::cout << '[';
        for (std::size_t i = 0; i < ids.size(); ++i) std::cout << (i ? "," : "") << ids[i];
        std::cout << "]\n";
    });

    CLI::App* detok = app.add_subcommand("detokenize", "Print the text of comma-separated token ids");
    add_model_option(*detok, o->model, kModelHelp);
    o->ids.add_to(*detok);
    detok->add_flag("--skip-special", o->skip_special, "Leave out special tokens");
    detok->callback([o] {
        const auto ids = o->ids.parse();
        std::cout << load_tokenizer(o->model).decode(ids, o->skip_special) << "\n";
    });
}

}  // namespace lmh::app
