// ChatTemplate tests. Expected prompt texts come from the real Hugging Face Jinja renderer
// (@huggingface/jinja, see the "source" field of tests/data/chat_template_cases.json, made by
// scripts/hf/gen-template-cases.mjs from the chat model's tokenizer_config.json).
#include "engine/chat_template.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace {

namespace fs = std::filesystem;
using lmh::ChatMessage;
using lmh::ChatTemplate;

nlohmann::json load_cases() {
    std::ifstream in(LMH_SOURCE_DIR "/tests/data/chat_template_cases.json");
    EXPECT_TRUE(in) << "missing tests/data/chat_template_cases.json";
    return nlohmann::json::parse(in);
}

std::vector<ChatMessage> messages_of(const nlohmann::json& c) {
    std::vector<ChatMessage> out;
    for (const auto& m : c.at("messages")) out.push_back({m.at("role"), m.at("content")});
    return out;
}

// Finds the chat model's tokenizer_config.json in the repo's models/ or the shared folder.
fs::path chat_tokenizer_config() {
    for (const char* p : {LMH_SOURCE_DIR "/models/chat/tokenizer_config.json",
                          LMH_SOURCE_DIR "/../shared/models/chat/tokenizer_config.json"}) {
        if (fs::exists(p)) return p;
    }
    return {};
}

fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path p = fs::temp_directory_path() / ("lmh_chat_template_" + name);
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

TEST(ChatTemplate, MatchesHuggingFaceJinjaOnEveryCase) {
    const auto data = load_cases();
    ASSERT_TRUE(data.at("source").get<std::string>().starts_with("@huggingface/jinja"));
    const auto tmpl = ChatTemplate::from_string(data.at("template").get<std::string>());
    ASSERT_GE(data.at("cases").size(), 10u);
    for (const auto& c : data.at("cases")) {
        const auto msgs = messages_of(c);
        EXPECT_EQ(tmpl.render(msgs, c.at("add_generation_prompt").get<bool>()), c.at("expected").get<std::string>())
            << "case " << c.at("name");
    }
}

TEST(ChatTemplate, CasesUseTheRealTokenizerConfigTemplate) {
    const fs::path config = chat_tokenizer_config();
    if (config.empty()) GTEST_SKIP() << "chat model tokenizer_config.json not found";
    std::ifstream in(config);
    const auto json = nlohmann::json::parse(in);
    EXPECT_EQ(json.at("chat_template"), load_cases().at("template"));
    const auto tmpl = ChatTemplate::from_tokenizer_config(config);
    EXPECT_EQ(tmpl.generation_prompt(), "<|im_start|>assistant\n");
}

TEST(ChatTemplate, RenderIsConcatenationOfMessages) {
    const auto tmpl = ChatTemplate::from_string(load_cases().at("template").get<std::string>());
    const auto data = load_cases();  // kept alive: a range-for over load_cases().at(...) read freed memory
    for (const auto& c : data.at("cases")) {
        const auto msgs = messages_of(c);
        std::string incremental;
        for (std::size_t n = 0; n < msgs.size(); ++n) {
            EXPECT_EQ(tmpl.render(std::span(msgs).first(n), false), incremental);
            incremental += tmpl.render_message(msgs[n]);
        }
        EXPECT_EQ(tmpl.render(msgs, false), incremental) << "case " << c.at("name");
        EXPECT_EQ(tmpl.render(msgs, true), incremental + tmpl.generation_prompt()) << "case " << c.at("name");
    }
}

// The variants in the cases file were classified by @huggingface/jinja: a variant that
// renders every case like the model's template must be accepted (it is the same program
// spelled differently), and every other one rejected with a one-line lmh::Error.
TEST(ChatTemplate, AcceptsExactlyTheVariantsJinjaRendersAlike) {
    const auto variants = load_cases().at("variants");
    int accepted = 0, rejected = 0;
    for (const auto& v : variants) {
        const std::string source = v.at("template");
        if (v.at("renders_like_model").get<bool>()) {
            EXPECT_NO_THROW(ChatTemplate::from_string(source)) << source;
            ++accepted;
            continue;
        }
        ++rejected;
        try {
            ChatTemplate::from_string(source);
            ADD_FAILURE() << "accepted a template that renders differently: " << source;
        } catch (const lmh::Error& e) {
            const std::string what = e.what();
            EXPECT_TRUE(what.starts_with("unsupported chat template in <string>: ")) << what;
            EXPECT_EQ(what.find('\n'), std::string::npos) << "error must be one line: " << what;
        }
    }
    EXPECT_GE(accepted, 3);
    EXPECT_GE(rejected, 5);
}

TEST(ChatTemplate, RejectsMalformedTemplates) {
    for (const char* source : {"{% for message in messages %}{{'<|im_start|>' + message['role']",
                               "{{ 'unterminated }}", ""}) {
        EXPECT_THROW(ChatTemplate::from_string(source), lmh::Error) << source;
    }
}

TEST(ChatTemplate, MissingOrMistypedChatTemplateIsAnError) {
    const fs::path missing = write_temp("missing.json", R"({"bos_token": "<s>", "eos_token": "<|im_end|>"})");
    try {
        ChatTemplate::from_tokenizer_config(missing);
        ADD_FAILURE() << "accepted a config without chat_template";
    } catch (const lmh::Error& e) {
        EXPECT_EQ(std::string(e.what()), "unsupported chat template in " + missing.string() +
                                              ": no \"chat_template\" field");
    }
    const fs::path list = write_temp("list.json", R"({"chat_template": [{"name": "default", "template": "x"}]})");
    EXPECT_THROW(ChatTemplate::from_tokenizer_config(list), lmh::Error);
    const fs::path other = write_temp("other.json", R"({"chat_template": "{{ messages[0]['content'] }}"})");
    EXPECT_THROW(ChatTemplate::from_tokenizer_config(other), lmh::Error);
    EXPECT_THROW(ChatTemplate::from_tokenizer_config(fs::temp_directory_path() / "lmh_no_such_file.json"),
                 lmh::Error);
    fs::remove(missing);
    fs::remove(list);
    fs::remove(other);
}

}  // namespace
