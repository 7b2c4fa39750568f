// Fuzz regressions and resource limits.
//
// Every file under tests/data/fuzz/<target>/ is an input that once crashed the fuzz target
// of that name (fuzz/fuzz_<target>.cpp) or was written to reproduce a crash class found
// by fuzzing. Each is replayed here through the same entry point, in the normal test
// binary: the only acceptable outcomes are success or lmh::Error. Under the sanitizer
// builds (scripts/sanitize.sh) this also re-checks for the memory errors and undefined
// behaviour they originally caused. To add a regression, drop the crashing input into the
// directory of its target; no code change is needed.
//
// The resource-limit tests check that hostile sizes are refused with lmh::Error *before*
// anything is allocated from them (a safetensors shape of [2^40, 2^40], a context that would
// need a 512 GiB KV cache, token ids that would size a multi-GiB table).
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "bench/workload.h"
#include "engine/chat_template.h"
#include "engine/config.h"
#include "util/error.h"
#include "engine/safetensors.h"
#include "engine/session.h"
#include "engine/synth.h"
#include "engine/tokenizer.h"
#include "engine/weights.h"
#include "test_paths.h"

#if __has_include("bench/record_io.h")
#include "bench/record_io.h"
#define LMH_HAVE_RECORD_IO 1
#endif

namespace lmh {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The fuzz entry points, minus libFuzzer: each takes the path of one input file.
const std::map<std::string, std::function<void(const fs::path&)>>& entry_points() {
    static const std::map<std::string, std::function<void(const fs::path&)>> table = {
        {"safetensors",
         [](const fs::path& p) {
             const auto st = SafetensorsFile::open(p);
             for (const auto& t : st.tensors()) (void)st.to_f32(t);
         }},
        {"config", [](const fs::path& p) { (void)ModelConfig::from_json_text(read_bytes(p), p.string()); }},
        {"tokenizer_load",
         [](const fs::path& p) {
             const auto tok = Tokenizer::load(p);
             (void)tok.decode(tok.encode("Hello world", true));
         }},
        {"tokenizer_encode",
         [](const fs::path& p) {
             static const auto story = Tokenizer::load(test::model_dir("story") / "tokenizer.json");
             static const auto chat = Tokenizer::load(test::model_dir("chat") / "tokenizer.json");
             const std::string input = read_bytes(p);
             const std::string text = input.empty() ? "" : input.substr(1);
             for (const Tokenizer* tok : {&story, &chat}) (void)tok->decode(tok->encode(text, true));
         }},
        {"chat_template",
         [](const fs::path& p) {
             const std::string input = read_bytes(p);
             const auto tmpl = ChatTemplate::from_string(input.substr(0, input.find('\0')));
             const ChatMessage m{"user", "hi"};
             (void)tmpl.render(std::span(&m, 1), true);
         }},
        {"workload", [](const fs::path& p) { (void)bench::Workload::load(p.string(), p.parent_path()); }},
#ifdef LMH_HAVE_RECORD_IO
        {"record_io", [](const fs::path& p) { (void)bench::read_bench_file(p); }},
#endif
    };
    return table;
}

TEST(FuzzRegression, EveryCrashInputGetsErrorOrSuccess) {
    const fs::path root = test::source_dir() / "tests" / "data" / "fuzz";
    ASSERT_TRUE(fs::is_directory(root)) << root;
    int replayed = 0;
    for (const auto& dir : fs::directory_iterator(root)) {
        if (!dir.is_directory()) continue;
        const std::string target = dir.path().filename().string();
        const auto entry = entry_points().find(target);
        if (entry == entry_points().end()) {
#ifndef LMH_HAVE_RECORD_IO
            if (target == "record_io") continue;
#endif
            ADD_FAILURE() << "tests/data/fuzz/" << target << "/ names no known fuzz target";
            continue;
        }
        for (const auto& file : fs::directory_iterator(dir.path())) {
            SCOPED_TRACE(file.path().string());
            try {
                entry->second(file.path());
            } catch (const Error& e) {
                EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "message must be one line";
            } catch (const std::exception& e) {
                ADD_FAILURE() << "escaped as " << typeid(e).name() << " instead of lmh::Error: " << e.what();
            }
            ++replayed;
        }
    }
    EXPECT_GT(replayed, 0);
}

class ResourceLimits : public ::testing::Test {
protected:
    void SetUp() override { dir_ = test::temp_dir("resource_limits"); }
    void TearDown() override { fs::remove_all(dir_); }

    fs::path write_safetensors(const std::string& header, std::size_t data_bytes) {
        const fs::path p = dir_ / "model.safetensors";
        std::ofstream out(p, std::ios::binary);
        const std::uint64_t n = header.size();
        for (int i = 0; i < 8; ++i) out.put(static_cast<char>((n >> (8 * i)) & 0xff));
        out << header << std::string(data_bytes, '\0');
        return p;
    }
    static void expect_error(const std::function<void()>& f, const std::string& needle) {
        try {
            f();
            ADD_FAILURE() << "expected lmh::Error containing '" << needle << "'";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    }
    fs::path dir_;
};

TEST_F(ResourceLimits, SafetensorsShapeOfTwoToTheEightyElementsIsRefused) {
    const auto p = write_safetensors(R"({"w":{"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,4]}})", 4);
    expect_error([&] { SafetensorsFile::open(p); }, "shape is too large");
}

TEST_F(ResourceLimits, SafetensorsShapeNotBackedByBytesIsRefused) {
    // 2^30 × 2^30 × 4 bytes does not overflow 64 bits, but the file holds only 4 bytes.
    const auto p = write_safetensors(R"({"w":{"dtype":"F32","shape":[1073741824,1073741824],"data_offsets":[0,4]}})", 4);
    expect_error([&] { SafetensorsFile::open(p); }, "shape and dtype need");
}

TEST_F(ResourceLimits, EmptyTensorReadsAsEmpty) {
    // Found by fuzz_safetensors: memcpy from an empty span into an empty vector (null
    // pointers) was undefined behaviour.
    const auto p = write_safetensors(R"({"e":{"dtype":"F32","shape":[0,5],"data_offsets":[0,0]}})", 0);
    const auto st = SafetensorsFile::open(p);
    EXPECT_TRUE(st.to_f32(st.tensors().at(0)).empty());
}

TEST_F(ResourceLimits, ContextLargerThanMemoryIsRefusedBeforeAllocating) {
    // A tiny model (1024 layers of width 2, a few MB of weights) whose config claims 2^20
    // positions with head_dim 64: its KV cache would need 2 × 1024 × 2^20 × 64 × 4 B =
    // 512 GiB. The session must refuse it from the size computation alone.
    std::ofstream(dir_ / "config.json") << R"({"model_type":"llama","hidden_size":2,"intermediate_size":1,
        "num_hidden_layers":1024,"num_attention_heads":1,"num_key_value_heads":1,"head_dim":64,"vocab_size":4,
        "max_position_embeddings":1048576,"tie_word_embeddings":true,"initializer_range":0.02})";
    write_synthetic_checkpoint(dir_ / "config.json", 1, dir_ / "model.safetensors");
    const auto weights = Weights::load(dir_);
    expect_error([&] { Session(weights, kernels::make_kernel_set("naive")); }, "use a smaller context");
}

TEST(ResourceLimitsTokenizer, TokenIdsThatWouldSizeHugeTablesAreRefused) {
    // Found by fuzz_tokenizer_load: ids size dense tables, so an id of 2^30 meant a 32 GiB
    // allocation and an added-token id above 2^31 wrapped negative and wrote out of bounds.
    const fs::path dir = test::source_dir() / "tests" / "data" / "fuzz" / "tokenizer_load";
    for (const char* name : {"vocab_id_huge.json", "added_id_huge.json", "added_id_negative.json"}) {
        SCOPED_TRACE(name);
        try {
            Tokenizer::load(dir / name);
            ADD_FAILURE() << "expected lmh::Error";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("4194303"), std::string::npos) << e.what();
        }
    }
}

}  // namespace
}  // namespace lmh
