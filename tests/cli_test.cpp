// The lmharness binary end to end: bad command lines and bad input give one clear line on
// stderr and a non-zero exit code (2: usage or input), never a crash; stdout carries only
// results.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "test_paths.h"

namespace lmh {
namespace {

struct CliRun {
    int code = -1;
    std::string out, err;
};

CliRun run(const std::string& args) {
    const auto dir = test::temp_dir("cli");
    const std::string cmd = std::string(LMH_BINARY) + " " + args + " >" + (dir / "out").string() + " 2>" +
                            (dir / "err").string() + " </dev/null";
    const int st = std::system(cmd.c_str());
    CliRun r;
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::stringstream o, e;
    o << std::ifstream(dir / "out").rdbuf();
    e << std::ifstream(dir / "err").rdbuf();
    r.out = o.str();
    r.err = e.str();
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
