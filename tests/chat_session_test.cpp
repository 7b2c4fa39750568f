// Chat with the KV cache kept across turns, on the Minueza-32M shape (synthetic weights
// unless real ones are present). The independent check: the logits after any number of
// cached turns equal those of one fresh prefill of the whole conversation's tokens.
#include <gtest/gtest.h>

#include <cmath>

#include "engine/chat_session.h"
#include "util/error.h"
#include "engine/synth.h"
#include "test_paths.h"

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

struct ChatFixture : ::testing::Test {
    static void SetUpTestSuite() { weights = Weights::load(chat_model()); }
    static void TearDownTestSuite() { weights.reset(); }
    ChatSession make(const std::string& kernels, int context = 0) {
        SamplerParams greedy;
        greedy.temperature = 0;
        SessionOptions so;
        so.context = context;
        return ChatSession(weights, kernels::make_kernel_set(kernels), Tokenizer::load(chat_model() / "tokenizer.json"),
                           ChatTemplate::from_tokenizer_config(chat_model() / "tokenizer_config.json"), greedy,
                           "You are a helpful assistant.", so);
    }
    // Relative L2 distance between the cached path's next logits and a fresh prefill.
    double cached_vs_fresh(ChatSession& chat, const std::string& next_user) {
        const std::vector<int> all = chat.conversation_ids();
        const int pos = chat.session().position();
        std::vector<int> prompt = chat.tokenizer().encode("<|im_start|>user\n" + next_user + "<|im_end|>\n<|im_start|>assistant\n", false);
        std::vector<int> tail(all.begin() + pos, all.end());
        tail.insert(tail.end(), prompt.begin(), prompt.end());
        const auto cached = chat.session().forward(tail);
        std::vector<float> c(cached.begin(), cached.end());
        Session fresh(weights, chat.session().kernels());
        std::vector<int> full = all;
        full.insert(full.end(), prompt.begin(), prompt.end());
        const auto f = fresh.forward(full);
        double num = 0, den = 0;
        for (std::size_t i = 0; i < f.size(); ++i) {
            num += (c[i] - f[i]) * static_cast<double>(c[i] - f[i]);
            den += static_cast<double>(f[i]) * f[i];
        }
        return std::sqrt(num / den);
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
    const auto user2 = chat.tokenizer().encode(t2.text_added, false);
    // Turn 2 feeds: the last reply token (not yet fed), "<|im_end|>\n", the new prompt.
    const auto closing = chat.tokenizer().encode("<|im_end|>\n", false);
    EXPECT_EQ(t2.prefill_ids.size(), 1 + closing.size() + user2.size());
    EXPECT_EQ(t1.text_added, "<|im_start|>user\nHello! What is the capital of France?<|im_end|>\n<|im_start|>assistant\n");
    EXPECT_EQ(chat.session().position() + 1 + static_cast<int>(closing.size()),
              static_cast<int>(chat.conversation_ids().size()));
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
    EXPECT_THROW(chat.turn(huge, o), Error);
}

TEST_F(ChatFixture, GreedyTranscriptIsDeterministic) {
    ChatTurnOptions o;
    o.max_reply_tokens = 10;
    auto a = make("tbb-simd");
    auto b = make("tbb-simd");
    for (const char* m : {"Hello", "What is 2+2?"}) EXPECT_EQ(a.turn(m, o).reply_ids, b.turn(m, o).reply_ids);
}

}  // namespace
}  // namespace lmh
