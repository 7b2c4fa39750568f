// ChatHistory: which tokens of a conversation survive a re-rendering. Uses the chat model's
// tokenizer (SentencePiece-style BPE) and the Qwen3 / Llama 3 templates; expected cut points
// are derived by hand from the templates' documented behaviour (tested against
// @huggingface/jinja in chat_template_test).
#include "engine/chat_history.h"

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/chat_template.h"
#include "test_paths.h"

namespace lmh {
namespace {

Tokenizer chat_tokenizer() { return Tokenizer::load(test::model_dir("chat") / "tokenizer.json"); }

ChatTemplate family_template(const std::string& cases_file, ChatTemplateOptions o = {}) {
    std::ifstream in(test::source_dir() / "tests" / "data" / cases_file);
    const auto data = nlohmann::json::parse(in);
    o.bos_token = data.at("specials").at("bos_token");
    return ChatTemplate::from_string(data.at("template").get<std::string>(), o);
}

// One turn as a chat loop records it: the rendered prompt, then the reply's tokens.
void add_turn(ChatHistory& h, const Tokenizer& tok, const std::string& prompt_text, const std::string& reply) {
    h.update(prompt_text, tok);
    const auto ids = tok.encode(reply, false);
    h.append_reply(tok.decode(ids, false), ids);
}

TEST(ChatHistory, KeepsEverythingWhenTheRenderingOnlyGrows) {
    const auto tok = chat_tokenizer();
    const auto llama = family_template("chat_template_llama3_cases.json");
    std::vector<ChatMessage> msgs = {{"system", "Be brief."}, {"user", "Hi"}};
    ChatHistory h;
    add_turn(h, tok, llama.render(msgs, true), "Hello there");
    const std::size_t before = h.token_count();
    msgs.push_back({"assistant", "Hello there"});
    msgs.push_back({"user", "Bye"});
    const std::string next = llama.render(msgs, true);
    const auto u = h.update(next, tok);
    EXPECT_EQ(u.kept_tokens, before);
    EXPECT_EQ(h.pieces().size(), 3u);
    EXPECT_EQ(next.substr(u.new_text_at), "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                                    "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatHistory, CutsInsideAReplyThatTheTemplateTrims) {
    const auto tok = chat_tokenizer();
    const auto llama = family_template("chat_template_llama3_cases.json");
    std::vector<ChatMessage> msgs = {{"user", "Hi"}};
    const std::string prompt = llama.render(msgs, true);
    ChatHistory h;
    add_turn(h, tok, prompt, "Hello there   ");
    msgs.push_back({"assistant", "Hello there   "});
    msgs.push_back({"user", "Bye"});
    const std::string next = llama.render(msgs, true);
    const auto u = h.update(next, tok);
    // The reply's trailing spaces are gone from the rendering (trim): the cut falls after
    // "there", in the middle of the reply piece, and what is kept spells the rendering.
    ASSERT_EQ(h.pieces().size(), 3u);
    EXPECT_EQ(next.substr(0, u.new_text_at), prompt + "Hello there");
    EXPECT_EQ(u.kept_tokens, tok.encode(prompt, false).size() + h.pieces()[1].ids.size());
    EXPECT_EQ(h.pieces()[1].text, "Hello there");
    EXPECT_EQ(tok.decode(h.pieces()[1].ids, false), "Hello there");
}

TEST(ChatHistory, Qwen3DropsEarlierReasoningFromTheCache) {
    const auto tok = chat_tokenizer();
    const auto qwen = family_template("chat_template_qwen3_cases.json");
    std::vector<ChatMessage> msgs = {{"user", "2+2?"}};
    const std::string prompt = qwen.render(msgs, true);
    const std::string reply = "<think>\nadd them\n</think>\n\n4";
    ChatHistory h;
    add_turn(h, tok, prompt, reply);
    msgs.push_back({"assistant", reply});
    msgs.push_back({"user", "3+3?"});
    const std::string next = qwen.render(msgs, true);
    EXPECT_EQ(next, prompt + "4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n");
    const auto u = h.update(next, tok);
    EXPECT_EQ(u.new_text_at, prompt.size());
    EXPECT_EQ(u.kept_tokens, tok.encode(prompt, false).size());
    auto expected = tok.encode(prompt, false);
    const auto rest = tok.encode(next.substr(prompt.size()), false);
    expected.insert(expected.end(), rest.begin(), rest.end());
    EXPECT_EQ(h.ids(), expected);
}

TEST(ChatHistory, Qwen3NoThinkingPromptIsCutBackToTheHeader) {
    const auto tok = chat_tokenizer();
    ChatTemplateOptions o;
    o.enable_thinking = false;
    const auto qwen = family_template("chat_template_qwen3_cases.json", o);
    std::vector<ChatMessage> msgs = {{"system", "S"}, {"user", "Hi"}};
    const std::string prompt = qwen.render(msgs, true);
    ASSERT_TRUE(prompt.ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    ChatHistory h;
    add_turn(h, tok, prompt, "Hello");
    msgs.push_back({"assistant", "Hello"});
    msgs.push_back({"user", "Again"});
    const std::string next = qwen.render(msgs, true);
    const auto u = h.update(next, tok);
    // The empty think block of the earlier generation prompt is not in the rendering any
    // more: the first piece is retokenised and its tokens up to "<|im_start|>assistant\n"
    // stay cached; the rest (reply, new turn) is prefilled.
    const std::string header_end = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    const auto header_ids = tok.encode(header_end, false);
    EXPECT_EQ(u.new_text_at, 0u);
    EXPECT_EQ(u.kept_tokens, header_ids.size());
    EXPECT_EQ(h.ids(), tok.encode(next, false));
    EXPECT_TRUE(std::equal(header_ids.begin(), header_ids.end(), h.ids().begin()));
}

TEST(ChatHistory, EmptyRenderingKeepsNothing) {
    const auto tok = chat_tokenizer();
    ChatHistory h;
    h.update("<|im_start|>user\nx", tok);
    EXPECT_EQ(h.update("", tok).kept_tokens, 0u);
    EXPECT_EQ(h.token_count(), 0u);
}

}  // namespace
}  // namespace lmh
