// The lmharness binary end to end: bad command lines and bad input give one clear line on
// stderr and a non-zero exit code (2: usage or input), never a crash; stdout carries only
// results.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli_run.h"
#include "test_paths.h"
#include "tiny_chat_model.h"

namespace lmh {
namespace {

using test::CliRun;

CliRun run(const std::string& args) {
    const auto dir = test::temp_dir("cli");
    CliRun r = test::run_cli(args, dir);
    std::filesystem::remove_all(dir);
    return r;
}

std::string story() { return "-m '" + test::model_dir("story").string() + "'"; }

void expect_input_error(const CliRun& r, const std::string& needle) {
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr was: " << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "one line expected: " << r.err;
}

TEST(Cli, MissingModelDirectory) { expect_input_error(run("story -m /nonexistent/model"), "model directory not found"); }

TEST(Cli, InvalidSamplingValues) {
    expect_input_error(run("story " + story() + " --temperature -1"), "temperature");
    expect_input_error(run("story " + story() + " --top-p 0"), "top-p");
    expect_input_error(run("story " + story() + " --top-p 1.5"), "top-p");
    expect_input_error(run("story " + story() + " --threads 0"), "threads");
    expect_input_error(run("story " + story() + " -n 0"), "max-tokens");
}

// LMH_MUTANT must never be silently ignored: a normal build refuses it, a mutant build
// refuses an unknown name (so scripts/mutants.sh cannot count a typo as a surviving mutant).
TEST(Cli, MutantEnvironmentIsRefusedOrHonoured) {
    const CliRun r = run("kernels");  // unset: fine in every build
    EXPECT_EQ(r.code, 0) << r.err;
    const std::string env_cmd = "env LMH_MUTANT=no.such_mutant " + std::string(LMH_BINARY) + " kernels";
    const int st = std::system((env_cmd + " >/dev/null 2>&1").c_str());
    EXPECT_EQ(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 2) << "an unknown or uncompiled LMH_MUTANT must exit 2";
    const CliRun list = run("kernels --mutants --json");
    ASSERT_EQ(list.code, 0) << list.err;
    const auto j = nlohmann::json::parse(list.out);
    EXPECT_GE(j.at("mutants").size(), 25u);
    for (const auto& m : j.at("mutants")) {
        EXPECT_FALSE(m.at("op").get<std::string>().empty());
        EXPECT_FALSE(m.at("variant").get<std::string>().empty());
    }
}

TEST(Cli, UnknownKernelListsValidNames) {
    const CliRun r = run("story " + story() + " --kernels fast");
    expect_input_error(r, "unknown kernel variant 'fast'");
    EXPECT_NE(r.err.find("naive"), std::string::npos);
}

TEST(Cli, OverlongPromptIsRefused) {
    std::string words;
    for (int i = 0; i < 600; ++i) words += "cat ";
    expect_input_error(run("story " + story() + " -p '" + words + "'"), "context window of 512");
}

TEST(Cli, TokenIdsOutOfRange) {
    expect_input_error(run("logits " + story() + " --ids 1,5000"), "outside the vocabulary");
    expect_input_error(run("logits " + story() + " --ids 1,x"), "not an integer");
    expect_input_error(run("detokenize " + story() + " --ids 99999"), "99999");
}

// tokenize/detokenize on the byte-level tokenizers: ids of the first corpus text from
// tests/data (Hugging Face's), text back from them.
TEST(Cli, TokenizeByteLevelModels) {
    for (const std::string model : {"llama3", "qwen3"}) {
        const auto dir = test::source_dir() / "models" / model;
        if (!std::filesystem::exists(dir / "tokenizer.json")) GTEST_SKIP() << "models/" << model << " is absent: run scripts/fetch-models.sh";
        std::ifstream in(test::source_dir() / "tests" / "data" / ("tokenizer_cases_" + model + ".json"));
        const auto c = nlohmann::json::parse(in)["cases"][0];
        std::string ids;
        for (const int id : c["ids_with_special"]) {
            if (!ids.empty()) ids += ',';
            ids += std::to_string(id);
        }
        const CliRun tok = run("tokenize -m '" + dir.string() + "' --text '" + c["text"].get<std::string>() + "'");
        EXPECT_EQ(tok.code, 0) << tok.err;
        EXPECT_EQ(tok.out, "[" + ids + "]\n");
        const CliRun detok = run("detokenize -m '" + dir.string() + "' --ids " + ids);
        EXPECT_EQ(detok.code, 0) << detok.err;
        EXPECT_EQ(detok.out, c["decoded"].get<std::string>() + "\n");
    }
}

TEST(Cli, StoryGreedyIsDeterministicAndStreamsOnlyText) {
    const CliRun a = run("story " + story() + " -n 20 --temperature 0 --threads 1");
    const CliRun b = run("story " + story() + " -n 20 --temperature 0 --threads 2 --kernels naive");
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
    EXPECT_EQ(a.out.rfind("Once upon a time", 0), 0u);
    EXPECT_NE(a.err.find("tok/s"), std::string::npos) << "speeds go to stderr";
}

TEST(Cli, SeededSamplingReproduces) {
    const CliRun a = run("story " + story() + " -n 30 --seed 7");
    const CliRun b = run("story " + story() + " -n 30 --seed 7");
    ASSERT_EQ(a.code, 0) << a.err;
    EXPECT_EQ(a.out, b.out);
}

TEST(Cli, LogitsJsonShape) {
    const CliRun r = run("logits " + story() + " --ids 1,415 --all-positions");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["ids"], nlohmann::json::array({1, 415}));
    ASSERT_EQ(j["logits"].size(), 2u);
    EXPECT_EQ(j["logits"][0].size(), 2048u);
}

TEST(Cli, KernelsListsEveryVariant) {
    const CliRun r = run("kernels --json");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const char* n : {"naive", "blocked", "tbb", "simd", "tbb-simd"})
        EXPECT_NE(std::find(j["names"].begin(), j["names"].end(), n), j["names"].end()) << n;
}

}  // namespace
}  // namespace lmh

namespace lmh {
namespace {

std::string chat_model_arg() {
    const auto dir = test::model_dir("chat");
    return std::filesystem::exists(dir / "model.safetensors") ? "-m '" + dir.string() + "'" : std::string();
}

TEST(CliChat, TranscriptJsonIsDeterministicAndPrefillsOnlyNewTokens) {
    const std::string m = chat_model_arg();
    if (m.empty()) GTEST_SKIP() << "models/chat/model.safetensors missing (run scripts/fetch-models.sh)";
    const auto dir = test::temp_dir("transcript");
    std::ofstream(dir / "t.json") << R"({"system": "Be brief.", "turns": ["Hello there!", "What is the weather like on Mars?", "Thanks"]})";
    const std::string cmd = "chat " + m + " --transcript '" + (dir / "t.json").string() +
                            "' --json --max-reply-tokens 8 --ignore-eos --temperature 0 --threads 2";
    const CliRun a = run(cmd), b = run(cmd);
    ASSERT_EQ(a.code, 0) << a.err;
    const auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
    ASSERT_EQ(ja["turns"].size(), 3u);
    int total = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        EXPECT_EQ(ja["turns"][i]["reply_ids"], jb["turns"][i]["reply_ids"]) << "turn " << i;
        EXPECT_EQ(ja["turns"][i]["reply_ids"].size(), 8u);
        const int prefilled = ja["turns"][i]["prefill_tokens"].get<int>();
        if (i > 0) {
            EXPECT_LT(prefilled, ja["turns"][i - 1]["position_after"].get<int>()) << "turn " << i << " re-prefilled history";
        }
        total += prefilled;
    }
    // The cache holds every prefilled token once plus the fed reply tokens: each turn's last
    // sampled token is fed with the next turn's prefill, so 7 of 8 per turn.
    EXPECT_EQ(total + 3 * (8 - 1), ja["turns"][2]["position_after"].get<int>());
    EXPECT_NE(a.err.find("SYNTHETIC"), std::string::npos) << "stderr must say the weights are synthetic";
    std::filesystem::remove_all(dir);
}

TEST(CliChat, PipedConversationWithResetAndExit) {
    const std::string m = chat_model_arg();
    if (m.empty()) GTEST_SKIP() << "models/chat/model.safetensors missing";
    const auto dir = test::temp_dir("pipe");
    std::ofstream(dir / "in.txt") << "Hi!\n\n/reset\nこんにちは 🌍\n/exit\nnever read\n";
    const std::string cmd = std::string(LMH_BINARY) + " chat " + m + " --max-reply-tokens 4 --temperature 0 < '" +
                            (dir / "in.txt").string() + "' >'" + (dir / "out").string() + "' 2>'" + (dir / "err").string() + "'";
    const int st = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(st));
    EXPECT_EQ(WEXITSTATUS(st), 0);
    std::stringstream err;
    err << std::ifstream(dir / "err").rdbuf();
    EXPECT_NE(err.str().find("conversation cleared"), std::string::npos) << err.str();
    // Two turns ran (the empty line is ignored, nothing after /exit is read).
    std::size_t turns = 0;
    for (std::size_t p = err.str().find("[prefilled"); p != std::string::npos; p = err.str().find("[prefilled", p + 1)) ++turns;
    EXPECT_EQ(turns, 2u) << err.str();
    std::filesystem::remove_all(dir);
}

TEST(CliChat, BadTranscriptNamesTheField) {
    const std::string m = chat_model_arg();
    if (m.empty()) GTEST_SKIP() << "models/chat/model.safetensors missing";
    const auto dir = test::temp_dir("badtranscript");
    std::ofstream(dir / "t.json") << R"({"turns": ["ok", 5]})";
    expect_input_error(run("chat " + m + " --transcript '" + (dir / "t.json").string() + "' --json"), "turns[1]");
    std::filesystem::remove_all(dir);
}

// A tiny synthetic model with the chat model's tokenizer and, optionally, the template of
// another real tokenizer_config.json (Qwen3's uses the same <|im_start|>/<|im_end|> tokens).
std::filesystem::path tiny_chat_model(const std::string& tag, const std::string& template_config) {
    const auto dir = test::tiny_chat_model_files(tag, {}, template_config);
    const CliRun r = run("synth -c '" + (dir / "config.json").string() + "' -o '" + (dir / "model.safetensors").string() + "'");
    EXPECT_EQ(r.code, 0) << r.err;
    return dir;
}

TEST(CliChat, Qwen3TemplateWithNoThink) {
    const auto qwen = test::source_dir() / ".." / "shared" / "models" / "qwen3-tokenizer" / "tokenizer_config.json";
    if (!std::filesystem::exists(qwen)) GTEST_SKIP() << qwen << " missing";
    const auto dir = tiny_chat_model("qwen3chat", qwen.string());
    std::ofstream(dir / "t.json") << R"({"system": "S", "turns": ["Hi", "Again"]})";
    const CliRun r = run("chat -m '" + dir.string() + "' --no-think --transcript '" + (dir / "t.json").string() +
                         "' --json --max-reply-tokens 3 --ignore-eos --temperature 0");
    ASSERT_EQ(r.code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["chat_template"], "Qwen3");
    const std::string header = "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n";
    EXPECT_EQ(j["turns"][0]["text_added"], header + "<think>\n\n</think>\n\n");
    // Turn 2: the empty think block is gone from the history, so the cache is cut back
    // into turn 1's prompt instead of only appending.
    const std::string t2 = j["turns"][1]["text_added"];
    EXPECT_TRUE(t2.starts_with(header + j["turns"][0]["reply_text"].get<std::string>() + "<|im_end|>\n")) << t2;
    EXPECT_LT(j["turns"][1]["position_after"].get<int>(),
              j["turns"][0]["position_after"].get<int>() + j["turns"][1]["prefill_tokens"].get<int>() + 3);
    std::filesystem::remove_all(dir);
}

TEST(CliChat, UnsupportedTemplateIsAnInputError) {
    const auto dir = tiny_chat_model("badtemplate", "");
    auto tc = nlohmann::json::parse(std::ifstream(dir / "tokenizer_config.json"));
    tc["chat_template"] = "{% for m in messages %}{{ '[INST] ' + m['content'] + ' [/INST]' }}{% endfor %}";
    std::ofstream(dir / "tokenizer_config.json") << tc.dump();
    std::ofstream(dir / "t.json") << R"({"turns": ["Hi"]})";
    expect_input_error(run("chat -m '" + dir.string() + "' --transcript '" + (dir / "t.json").string() + "'"),
                       "unsupported chat template in");
    std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lmh
