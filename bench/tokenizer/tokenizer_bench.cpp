// Tokenizer micro-benchmarks: encode() throughput of the real tokenizers on one thread.
// Names: encode/<model>/<text>; the bytes_per_second counter is input UTF-8 bytes over CPU
// time (Google Benchmark's default; wall time is the Time column). Texts: "readme" = this
// repository's README.md (English prose, tables and command lines) repeated to 256 KiB,
// "readme_once" = README.md once (no repeated paragraphs for encode()'s per-call word
// cache to find), "corpus" = every text of the model's test corpus (tests/data:
// multilingual, emoji, digits, whitespace runs, code) repeated to 256 KiB.
// Models are looked up as models/<name>/tokenizer.json, else ../shared/models; a missing
// one is skipped with a message.
//
//   lmh_bench_tokenizer --benchmark_filter=encode/llama3 --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/tokenizer.h"

namespace {

namespace fs = std::filesystem;
constexpr std::size_t kTextBytes = 256 * 1024;

fs::path tokenizer_file(const std::string& model) {
    const fs::path root = LMH_SOURCE_DIR;
    for (const fs::path& p : {root / "models" / model / "tokenizer.json",
                              root / ".." / "shared" / "models" / (model + "-tokenizer") / "tokenizer.json",
                              root / ".." / "shared" / "models" / model / "tokenizer.json"})
        if (fs::exists(p)) return p;
    return {};
}

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string repeat_to_size(const std::string& piece) {
    std::string text;
    if (piece.empty()) return text;
    while (text.size() < kTextBytes) text += piece;
    return text;
}

std::string corpus_text(const std::string& model) {
    const fs::path file = fs::path(LMH_SOURCE_DIR) / "tests" / "data" / ("tokenizer_cases_" + model + ".json");
    const fs::path fallback = fs::path(LMH_SOURCE_DIR) / "tests" / "data" / "tokenizer_cases.json";
    const nlohmann::json data = nlohmann::json::parse(read_file(fs::exists(file) ? file : fallback));
    std::string joined;
    for (const auto& c : fs::exists(file) ? data["cases"] : data["models"][model]["cases"])
        joined += c["text"].get<std::string>() + "\n";
    return repeat_to_size(joined);
}

void encode(benchmark::State& state, const std::string& model, const std::string& which) {
    const fs::path file = tokenizer_file(model);
    if (file.empty()) {
        state.SkipWithError(("no tokenizer.json for " + model + ": run scripts/fetch-models.sh").c_str());
        return;
    }
    static std::unique_ptr<lmh::Tokenizer> cached;  // one tokenizer at a time: they are large
    static std::string cached_model;
    if (cached_model != model) {
        cached = std::make_unique<lmh::Tokenizer>(lmh::Tokenizer::load(file));
        cached_model = model;
    }
    const std::string readme = read_file(fs::path(LMH_SOURCE_DIR) / "README.md");
    const std::string text = which == "readme" ? repeat_to_size(readme) : which == "readme_once" ? readme : corpus_text(model);
    std::size_t tokens = 0;
    for (auto _ : state) {
        const auto ids = cached->encode(text, false);
        tokens = ids.size();
        benchmark::DoNotOptimize(ids.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
    state.counters["bytes_per_token"] = static_cast<double>(text.size()) / static_cast<double>(tokens);
}

}  // namespace

int main(int argc, char** argv) {
    for (const char* model : {"llama3", "qwen3", "chat", "story"})
        for (const char* which : {"readme", "readme_once", "corpus"})
            benchmark::RegisterBenchmark((std::string("encode/") + model + "/" + which).c_str(),
                                         [m = std::string(model), w = std::string(which)](benchmark::State& s) { encode(s, m, w); })
                ->Unit(benchmark::kMillisecond)
                ->MinTime(0.5);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
