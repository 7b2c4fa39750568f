// A tiny model in the chat model's format, for tests of chat templates other than its own:
// the chat tokenizer (plus optional extra special tokens), a 64-wide config and the chat
// tokenizer_config.json (optionally with the chat_template of another tokenizer_config).
// The caller writes the weights (`lmharness synth` or write_synthetic_checkpoint).
#pragma once

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace lmh::test {

inline std::filesystem::path tiny_chat_model_files(const std::string& tag, const std::vector<std::string>& extra_special = {},
                                                   const std::filesystem::path& template_config = {}) {
    const auto dir = temp_dir(tag);
    const auto src = model_dir("chat");
    auto config = nlohmann::json::parse(std::ifstream(src / "config.json"));
    config["hidden_size"] = 64;
    config["intermediate_size"] = 128;
    config["num_hidden_layers"] = 2;
    config["num_attention_heads"] = 4;
    config["num_key_value_heads"] = 2;
    auto tok = nlohmann::json::parse(std::ifstream(src / "tokenizer.json"));
    int id = config["vocab_size"].get<int>();
    for (const std::string& t : extra_special)
        tok["added_tokens"].push_back({{"id", id++}, {"content", t}, {"single_word", false}, {"lstrip", false},
                                       {"rstrip", false}, {"normalized", false}, {"special", true}});
    config["vocab_size"] = id;
    std::ofstream(dir / "config.json") << config.dump();
    std::ofstream(dir / "tokenizer.json") << tok.dump();
    auto tc = nlohmann::json::parse(std::ifstream(src / "tokenizer_config.json"));
    if (!template_config.empty())
        tc["chat_template"] = nlohmann::json::parse(std::ifstream(template_config)).at("chat_template");
    std::ofstream(dir / "tokenizer_config.json") << tc.dump();
    return dir;
}

}  // namespace lmh::test
