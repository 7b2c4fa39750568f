// Chat with the KV cache kept across turns, on the Minueza-32M shape (synthetic weights
// unless real ones are present). The independent check: the logits after any number of
// cached turns equal those of one fresh prefill of the whole conversation's tokens.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "engine/chat_session.h"
#include "util/error.h"
#include "engine/synth.h"
#include "test_paths.h"
#include "tiny_chat_model.h"

namespace lmh {
namespace {

// models/chat with weights; made in a temp dir with `synth` when fetch-models has not run.
std::filesystem::path chat_model() {
    const auto dir = test::model_dir("chat");
    if (std::filesystem::exists(dir / "model.safetensors")) return dir;
    static const std::filesystem::path tmp = [&] {
        auto t = std::filesystem::temp_directory_path() / "lmh_test_chat_model";
        std::filesystem::create_directories(t);
        for (const char* f : {"config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json"})
            std::filesystem::copy(dir / f, t / f, std::filesystem::copy_options::overwrite_existing);
        if (!std::filesystem::exists(t / "model.safetensors"))
            write_synthetic_checkpoint(t / "config.json", 0, t / "model.safetensors");
        return t;
    }();
    return tmp;
}

// Relative L2 distance between the next logits of the chat's cached path and of a fresh
// prefill of the whole conversation, both followed by the same probe tokens.
double cached_vs_fresh_any(ChatSession& chat, const std::shared_ptr<const Weights>& w, const std::string& probe) {
    const std::vector<int> all = chat.conversation_ids();
    const int pos = chat.session().position();
    const std::vector<int> p = chat.tokenizer().encode(probe, false);
    std::vector<int> tail(all.begin() + pos, all.end());
    tail.insert(tail.end(), p.begin(), p.end());
    const auto cached = chat.session().forward(tail);
    const std::vector<float> c(cached.begin(), cached.end());
    Session fresh(w, chat.session().kernels());
    std::vector<int> full = all;
    full.insert(full.end(), p.begin(), p.end());
    const auto f = fresh.forward(full);
    double num = 0, den = 0;
    for (std::size_t i = 0; i < f.size(); ++i) {
        num += (c[i] - f[i]) * static_cast<double>(c[i] - f[i]);
        den += static_cast<double>(f[i]) * f[i];
    }
    return std::sqrt(num / den);
}

struct ChatFixture : ::testing::Test {
    static void SetUpTestSuite() { weights = Weights::load(chat_model()); }
    static void TearDownTestSuite() { weights.reset(); }
    ChatSession make(const std::string& kernels, int context = 0) {
        return make_with(ChatTemplate::from_tokenizer_config(chat_model() / "tokenizer_config.json"), kernels, context);
    }
    ChatSession make_with(ChatTemplate tmpl, const std::string& kernels, int context = 0,
                          const std::string& system = "You are a helpful assistant.") {
        SamplerParams greedy;
        greedy.temperature = 0;
        SessionOptions so;
        so.context = context;
        return ChatSession(weights, kernels::make_kernel_set(kernels), Tokenizer::load(chat_model() / "tokenizer.json"),
                           std::move(tmpl), greedy, system, so);
    }
    // Relative L2 distance between the cached path's next logits and a fresh prefill of the
    // whole conversation (ChatML: the previous reply's end, then the next user turn).
    double cached_vs_fresh(ChatSession& chat, const std::string& next_user) {
        return cached_vs_fresh_any(chat, weights,
                                   "<|im_end|>\n<|im_start|>user\n" + next_user + "<|im_end|>\n<|im_start|>assistant\n");
    }
    static std::shared_ptr<const Weights> weights;
};
std::shared_ptr<const Weights> ChatFixture::weights;

TEST_F(ChatFixture, EachTurnPrefillsOnlyNewTokens) {
    auto chat = make("tbb-simd");
    ChatTurnOptions o;
    o.max_reply_tokens = 6;
    o.ignore_eos = true;
    const auto t1 = chat.turn("Hello! What is the capital of France?", o);
    const auto t2 = chat.turn("And of Italy?", o);
    // Turn 2 feeds: the last reply token (sampled, not yet fed), then "<|im_end|>\n" and the
    // new prompt; everything before stays in the cache.
    EXPECT_EQ(t2.text_added, "<|im_end|>\n<|im_start|>user\nAnd of Italy?<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(t2.prefill_ids.size(), 1 + chat.tokenizer().encode(t2.text_added, false).size());
    EXPECT_EQ(t2.reused_tokens, static_cast<int>(t1.prefill_ids.size() + t1.reply_ids.size()) - 1);
    EXPECT_EQ(t1.text_added, "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
                             "<|im_start|>user\nHello! What is the capital of France?<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(chat.session().position() + 1, static_cast<int>(chat.conversation_ids().size()));
}

TEST_F(ChatFixture, CachedTurnsMatchFreshPrefill) {
    for (const char* k : {"naive", "tbb-simd"}) {
        auto chat = make(k);
        ChatTurnOptions o;
        o.max_reply_tokens = 8;
        o.ignore_eos = true;
        chat.turn("Hi there, how are you today?", o);
        chat.turn("Tell me something about cats. 日本語も少し。", o);
        EXPECT_LE(cached_vs_fresh(chat, "Thanks!"), 1e-5) << k;
    }
}

TEST_F(ChatFixture, ContextOverflowDropsOldestTurnsAndRebuilds) {
    auto chat = make("tbb-simd", 96);
    ChatTurnOptions o;
    o.max_reply_tokens = 12;
    o.ignore_eos = true;
    int dropped = 0;
    for (int i = 0; i < 6; ++i) {
        const auto r = chat.turn("Message number " + std::to_string(i) + ": please tell me a short story.", o);
        dropped += r.dropped_turns;
        EXPECT_LE(r.position_after, 96);
    }
    EXPECT_GT(dropped, 0);
    EXPECT_LE(cached_vs_fresh(chat, "ok"), 1e-5);
    // A single message that cannot fit at all is an error, not a crash.
    std::string huge;
    for (int i = 0; i < 200; ++i) huge += "word ";
    const auto ids_before = chat.conversation_ids();
    const int position_before = chat.session().position();
    EXPECT_THROW(chat.turn(huge, o), Error);
    // ... and leaves the conversation and the cache as they were.
    EXPECT_EQ(chat.conversation_ids(), ids_before);
    EXPECT_EQ(chat.session().position(), position_before);
}

TEST_F(ChatFixture, GreedyTranscriptIsDeterministic) {
    ChatTurnOptions o;
    o.max_reply_tokens = 10;
    auto a = make("tbb-simd");
    auto b = make("tbb-simd");
    for (const char* m : {"Hello", "What is 2+2?"}) EXPECT_EQ(a.turn(m, o).reply_ids, b.turn(m, o).reply_ids);
}

// Qwen3's template on the chat model's weights and tokenizer (both use <|im_start|> and
// <|im_end|>). With enable_thinking=false the generation prompt holds an empty think block
// that the next rendering of the conversation drops: turn 2 must rewind the cache to the end
// of turn 1's "<|im_start|>assistant\n" and prefill the rest, and the cache must still equal
// a fresh prefill of the conversation.
ChatTemplate qwen3_template(std::optional<bool> enable_thinking) {
    std::ifstream in(test::source_dir() / "tests" / "data" / "chat_template_qwen3_cases.json");
    ChatTemplateOptions o;
    o.enable_thinking = enable_thinking;
    return ChatTemplate::from_string(nlohmann::json::parse(in).at("template").get<std::string>(), o);
}

TEST_F(ChatFixture, Qwen3NoThinkingRewindsToTheAssistantHeader) {
    auto chat = make_with(qwen3_template(false), "tbb", 0, "Be brief.");
    ChatTurnOptions o;
    o.max_reply_tokens = 5;
    o.ignore_eos = true;
    const auto t1 = chat.turn("Hi there", o);
    const std::string header = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi there<|im_end|>\n"
                               "<|im_start|>assistant\n";
    EXPECT_EQ(t1.text_added, header + "<think>\n\n</think>\n\n");
    const auto t2 = chat.turn("Again", o);
    // Kept: the tokens of the header. Re-prefilled: the reply as the template renders it
    // now (no think block), its end and the new prompt.
    const auto& tok = chat.tokenizer();
    const auto header_ids = tok.encode(header, false);
    EXPECT_EQ(t2.reused_tokens, static_cast<int>(header_ids.size()));
    EXPECT_LT(t2.reused_tokens, static_cast<int>(t1.prefill_ids.size()));
    EXPECT_EQ(t2.text_added, header + t1.reply_text + "<|im_end|>\n<|im_start|>user\nAgain<|im_end|>\n"
                                                      "<|im_start|>assistant\n<think>\n\n</think>\n\n");
    const auto all = tok.encode(t2.text_added, false);  // the whole piece, retokenised
    EXPECT_EQ(std::vector<int>(all.begin() + t2.reused_tokens, all.end()), t2.prefill_ids);
    const auto t3 = chat.turn("Third", o);
    EXPECT_GT(t3.reused_tokens, t2.reused_tokens);
    EXPECT_LE(cached_vs_fresh(chat, "ok"), 1e-5);
}

TEST_F(ChatFixture, Qwen3DefaultThinkingKeepsAPlainReply) {
    // enable_thinking undefined: no think block in the prompt; a reply without </think>
    // renders unchanged in history, so the whole cache is reused.
    auto chat = make_with(qwen3_template(std::nullopt), "tbb", 0, "");
    ChatTurnOptions o;
    o.max_reply_tokens = 4;
    o.ignore_eos = true;
    const auto t1 = chat.turn("Hello", o);
    EXPECT_EQ(t1.text_added, "<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n");
    ASSERT_EQ(t1.reply_text.find("</think>"), std::string::npos);
    const auto t2 = chat.turn("More", o);
    EXPECT_EQ(t2.reused_tokens, static_cast<int>(t1.prefill_ids.size() + t1.reply_ids.size()) - 1);
    EXPECT_LE(cached_vs_fresh(chat, "ok"), 1e-5);
}

TEST_F(ChatFixture, TemplateWithoutItsEndOfTurnTokenIsRefused) {
    std::ifstream in(test::source_dir() / "tests" / "data" / "chat_template_llama3_cases.json");
    const auto llama = ChatTemplate::from_string(nlohmann::json::parse(in).at("template").get<std::string>());
    EXPECT_THROW(make_with(llama, "tbb"), Error);  // the chat tokenizer has no <|eot_id|>
}

// Llama 3's template on a tiny synthetic model whose tokenizer is the chat model's plus
// Llama 3's four chat special tokens (ids 32002-32005), so that <|eot_id|> ends turns.
struct Llama3Chat : ::testing::Test {
    static void SetUpTestSuite() {
        dir = test::tiny_chat_model_files("llama3chat",
                                          {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"});
        write_synthetic_checkpoint(dir / "config.json", 0, dir / "model.safetensors");
        weights = Weights::load(dir);
    }
    static void TearDownTestSuite() {
        weights.reset();
        std::filesystem::remove_all(dir);
    }
    ChatSession make() {
        std::ifstream in(test::source_dir() / "tests" / "data" / "chat_template_llama3_cases.json");
        ChatTemplateOptions o;
        o.bos_token = "<|begin_of_text|>";
        SamplerParams greedy;
        greedy.temperature = 0;
        return ChatSession(weights, kernels::make_kernel_set("tbb"), Tokenizer::load(dir / "tokenizer.json"),
                           ChatTemplate::from_string(nlohmann::json::parse(in).at("template").get<std::string>(), o),
                           greedy, "Be brief.");
    }
    static std::filesystem::path dir;
    static std::shared_ptr<const Weights> weights;
};
std::filesystem::path Llama3Chat::dir;
std::shared_ptr<const Weights> Llama3Chat::weights;

TEST_F(Llama3Chat, TurnsReuseTheCacheAndMatchAFreshPrefill) {
    auto chat = make();
    ChatTurnOptions o;
    o.max_reply_tokens = 6;
    o.ignore_eos = true;
    const auto t1 = chat.turn("Hi", o);
    EXPECT_EQ(t1.text_added, "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
                             "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"
                             "<|start_header_id|>assistant<|end_header_id|>\n\n");
    EXPECT_EQ(t1.prefill_ids.front(), 32002);  // <|begin_of_text|> from the template, once
    const auto t2 = chat.turn("Again", o);
    // The whole first prompt stays cached; of the reply, all tokens the template does not
    // trim away.
    EXPECT_GE(t2.reused_tokens, static_cast<int>(t1.prefill_ids.size()));
    EXPECT_LE(t2.reused_tokens, static_cast<int>(t1.prefill_ids.size() + t1.reply_ids.size()));
    EXPECT_TRUE(t2.text_added.ends_with("<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nAgain<|eot_id|>"
                                        "<|start_header_id|>assistant<|end_header_id|>\n\n"))
        << t2.text_added;
    chat.turn("Third", o);
    const auto& tok = chat.tokenizer();
    const auto all = chat.conversation_ids();
    EXPECT_EQ(std::count(all.begin(), all.end(), 32002), 1);
    // Closed turns: system, "Hi", reply 1, "Again", reply 2, "Third" (reply 3 is still open).
    EXPECT_EQ(std::count(all.begin(), all.end(), *tok.token_to_id("<|eot_id|>")), 6);
    EXPECT_LE(cached_vs_fresh_any(chat, weights, "<|start_header_id|>user<|end_header_id|>\n\nok"), 1e-5);
}

}  // namespace
}  // namespace lmh
