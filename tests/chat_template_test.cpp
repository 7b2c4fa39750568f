// ChatTemplate tests. Expected prompt texts come from the real Hugging Face Jinja renderer
// (@huggingface/jinja, see the "source" field of tests/data/chat_template*_cases.json, made
// by scripts/hf/gen-template-cases.mjs from the models' tokenizer_config.json: the chat
// model's ChatML, and with --extended the Llama 3 and Qwen3 templates).
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

nlohmann::json load_cases(const std::string& file = "chat_template_cases.json") {
    std::ifstream in(LMH_SOURCE_DIR "/tests/data/" + file);
    EXPECT_TRUE(in) << "missing tests/data/" << file;
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

// ---- Llama 3 and Qwen3 (tests/data/chat_template_{llama3,qwen3}_cases.json) ----

struct FamilyCase {
    const char* file;
    const char* config;  // the shared tokenizer_config.json the cases were generated from
    lmh::ChatTemplateFamily family;
};
constexpr FamilyCase kFamilies[] = {
    {"chat_template_llama3_cases.json", "llama3-tokenizer", lmh::ChatTemplateFamily::Llama3},
    {"chat_template_qwen3_cases.json", "qwen3-tokenizer", lmh::ChatTemplateFamily::Qwen3},
};

lmh::ChatTemplateOptions options_of(const nlohmann::json& data, const nlohmann::json& c) {
    lmh::ChatTemplateOptions o;
    o.bos_token = data.at("specials").at("bos_token");
    if (c.contains("enable_thinking")) o.enable_thinking = c.at("enable_thinking").get<bool>();
    return o;
}

TEST(ChatTemplateFamilies, MatchHuggingFaceJinjaOnEveryCase) {
    for (const auto& f : kFamilies) {
        const auto data = load_cases(f.file);
        ASSERT_TRUE(data.at("source").get<std::string>().starts_with("@huggingface/jinja")) << f.file;
        const std::string source = data.at("template");
        ASSERT_GE(data.at("cases").size(), 40u) << f.file;
        int thinking_cases = 0;
        for (const auto& c : data.at("cases")) {
            const auto tmpl = ChatTemplate::from_string(source, options_of(data, c));
            ASSERT_EQ(tmpl.family(), f.family);
            const auto msgs = messages_of(c);
            const bool gen = c.at("add_generation_prompt").get<bool>();
            const std::string rendered = tmpl.render(msgs, gen);
            EXPECT_EQ(rendered, c.at("expected").get<std::string>()) << f.file << " case " << c.at("name");
            if (gen) {
                EXPECT_TRUE(rendered.ends_with(tmpl.generation_prompt())) << c.at("name");
            }
            thinking_cases += c.contains("enable_thinking");
        }
        EXPECT_GE(thinking_cases, 20) << f.file;
    }
}

TEST(ChatTemplateFamilies, RecognisedFromTheRealTokenizerConfigs) {
    for (const auto& f : kFamilies) {
        const fs::path config = fs::path(LMH_SOURCE_DIR "/../shared/models") / f.config / "tokenizer_config.json";
        if (!fs::exists(config)) GTEST_SKIP() << config << " not found";
        std::ifstream in(config);
        const auto json = nlohmann::json::parse(in);
        const auto data = load_cases(f.file);
        EXPECT_EQ(json.at("chat_template"), data.at("template")) << "regenerate " << f.file;
        const auto tmpl = ChatTemplate::from_tokenizer_config(config);
        EXPECT_EQ(tmpl.family(), f.family);
        EXPECT_FALSE(tmpl.append_only());
        EXPECT_THROW((void)tmpl.render_message({"user", "x"}), lmh::Error);
        EXPECT_EQ(tmpl.options().bos_token, data.at("specials").at("bos_token").get<std::string>());
    }
    const auto llama = ChatTemplate::from_string(load_cases(kFamilies[0].file).at("template").get<std::string>());
    EXPECT_EQ(llama.end_of_turn_token(), "<|eot_id|>");
    EXPECT_EQ(llama.generation_prompt(), "<|start_header_id|>assistant<|end_header_id|>\n\n");
    lmh::ChatTemplateOptions no_think;
    no_think.enable_thinking = false;
    const auto qwen = ChatTemplate::from_string(load_cases(kFamilies[1].file).at("template").get<std::string>(), no_think);
    EXPECT_EQ(qwen.end_of_turn_token(), "<|im_end|>");
    EXPECT_EQ(qwen.generation_prompt(), "<|im_start|>assistant\n<think>\n\n</think>\n\n");
}

// Near misses of each template, classified by @huggingface/jinja: spellings of the same
// program must be accepted; edits that render differently, or that only render alike
// because no tools are passed or because JS ignores strip's argument, must be refused.
TEST(ChatTemplateFamilies, AcceptsSpellingsAndRefusesNearMisses) {
    for (const auto& f : kFamilies) {
        int accepted = 0, refused = 0;
        const auto data = load_cases(f.file);  // kept alive for the loop
        for (const auto& v : data.at("variants")) {
            const std::string source = v.at("template");
            if (v.at("must_accept").get<bool>()) {
                EXPECT_NO_THROW(EXPECT_EQ(ChatTemplate::from_string(source).family(), f.family)) << v.at("what");
                ++accepted;
            } else if (v.at("must_refuse").get<bool>()) {
                try {
                    (void)ChatTemplate::from_string(source);
                    ADD_FAILURE() << f.file << ": accepted near miss \"" << v.at("what").get<std::string>() << "\"";
                } catch (const lmh::Error& e) {
                    EXPECT_TRUE(std::string(e.what()).starts_with("unsupported chat template in <string>: ")) << e.what();
                }
                ++refused;
            }
        }
        EXPECT_GE(accepted, 3) << f.file;
        EXPECT_GE(refused, 7) << f.file;
    }
}

// JS trim (what @huggingface/jinja uses) on ill-formed UTF-8: only well-formed whitespace
// characters are removed. Hand-derived.
TEST(ChatTemplateFamilies, TrimLeavesIllFormedBytesAlone) {
    const auto data = load_cases(kFamilies[0].file);
    const auto llama = ChatTemplate::from_string(data.at("template").get<std::string>());
    const ChatMessage m{"user", "\xC2 \xE3\x80\x80x\xE3\x80\x80\xA0"};
    EXPECT_EQ(llama.render(std::span(&m, 1), false),
              "<|start_header_id|>user<|end_header_id|>\n\n\xC2 \xE3\x80\x80x\xE3\x80\x80\xA0<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

}  // namespace
