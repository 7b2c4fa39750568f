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

// Two turns as a chat loop records them: turn 1's rendered prompt and the reply's tokens in
// the history, then the history updated to the rendering with the reply and a new user turn.
struct TwoTurns {
    std::string prompt, next;  // turn 1's rendering, turn 2's
    ChatHistory h;
    ChatHistory::Update u;
};
TwoTurns two_turns(const ChatTemplate& tmpl, const Tokenizer& tok, std::vector<ChatMessage> msgs,
                   const std::string& reply, const std::string& next_user) {
    TwoTurns t;
    t.prompt = tmpl.render(msgs, true);
    t.h.update(t.prompt, tok);
    const auto ids = tok.encode(reply, false);
    t.h.append_reply(tok.decode(ids, false), ids);
    msgs.push_back({"assistant", reply});
    msgs.push_back({"user", next_user});
    t.next = tmpl.render(msgs, true);
    t.u = t.h.update(t.next, tok);
    return t;
}

TEST(ChatHistory, KeepsEverythingWhenTheRenderingOnlyGrows) {
    const auto tok = chat_tokenizer();
    const auto llama = family_template("chat_template_llama3_cases.json");
    const auto t = two_turns(llama, tok, {{"system", "Be brief."}, {"user", "Hi"}}, "Hello there", "Bye");
    const auto reply_ids = tok.encode("Hello there", false);
    EXPECT_EQ(t.u.kept_tokens, tok.encode(t.prompt, false).size() + reply_ids.size());
    EXPECT_EQ(t.h.pieces().size(), 3u);
    EXPECT_EQ(t.next.substr(t.u.new_text_at), "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nBye<|eot_id|>"
                                              "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

TEST(ChatHistory, CutsInsideAReplyThatTheTemplateTrims) {
    const auto tok = chat_tokenizer();
    const auto llama = family_template("chat_template_llama3_cases.json");
    const auto t = two_turns(llama, tok, {{"user", "Hi"}}, "Hello there   ", "Bye");
    // The reply's trailing spaces are gone from the rendering (trim): the cut falls after
    // "there", in the middle of the reply piece, and what is kept spells the rendering.
    ASSERT_EQ(t.h.pieces().size(), 3u);
    EXPECT_EQ(t.next.substr(0, t.u.new_text_at), t.prompt + "Hello there");
    EXPECT_EQ(t.u.kept_tokens, tok.encode(t.prompt, false).size() + t.h.pieces()[1].ids.size());
    EXPECT_EQ(t.h.pieces()[1].text, "Hello there");
    EXPECT_EQ(tok.decode(t.h.pieces()[1].ids, false), "Hello there");
}

TEST(ChatHistory, Qwen3DropsEarlierReasoningFromTheCache) {
    const auto tok = chat_tokenizer();
    const auto qwen = family_template("chat_template_qwen3_cases.json");
    const auto t = two_turns(qwen, tok, {{"user", "2+2?"}}, "<think>\nadd them\n</think>\n\n4", "3+3?");
    EXPECT_EQ(t.next, t.prompt + "4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(t.u.new_text_at, t.prompt.size());
    auto expected = tok.encode(t.prompt, false);
    EXPECT_EQ(t.u.kept_tokens, expected.size());
    const auto rest = tok.encode(t.next.substr(t.prompt.size()), false);
    expected.insert(expected.end(), rest.begin(), rest.end());
    EXPECT_EQ(t.h.ids(), expected);
}

TEST(ChatHistory, Qwen3NoThinkingPromptIsCutBackToTheHeader) {
    const auto tok = chat_tokenizer();
    ChatTemplateOptions o;
    o.enable_thinking = false;
    const auto qwen = family_template("chat_template_qwen3_cases.json", o);
    const auto t = two_turns(qwen, tok, {{"system", "S"}, {"user", "Hi"}}, "Hello", "Again");
    ASSERT_TRUE(t.prompt.ends_with("<|im_start|>assistant\n<think>\n\n</think>\n\n"));
    // The empty think block of the earlier generation prompt is not in the rendering any
    // more: the first piece is retokenised and its tokens up to "<|im_start|>assistant\n"
    // stay cached; the rest (reply, new turn) is prefilled.
    const std::string header_end = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    const auto header_ids = tok.encode(header_end, false);
    EXPECT_EQ(t.u.new_text_at, 0u);
    EXPECT_EQ(t.u.kept_tokens, header_ids.size());
    const auto ids = t.h.ids();
    EXPECT_EQ(ids, tok.encode(t.next, false));
    EXPECT_TRUE(std::equal(header_ids.begin(), header_ids.end(), ids.begin()));
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
