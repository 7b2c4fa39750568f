// What a checkpoint may hold and how it is loaded: config fields that change the math and
// are not implemented are refused (engine/config_fields.cpp), as are tensors the
// architecture does not use and a tie_word_embeddings that disagrees with the tensors; and
// weights are used in place when the file holds them in the run's format.
//
// Expected values: the refusals follow the Hugging Face configuration classes' meaning of
// each field (named in config_fields.cpp); the load tests compare the engine with itself
// across storage formats whose values are equal by construction (a bf16 file and the f32
// file of the same values widened exactly), so any difference is a loading bug.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "engine/config.h"
#include "engine/config_fields.h"
#include "util/error.h"
#include "engine/safetensors.h"
#include "engine/safetensors_writer.h"
#include "engine/session.h"
#include "engine/synth.h"
#include "engine/weights.h"
#include "error_text.h"
#include "test_paths.h"

namespace lmh {
namespace {

nlohmann::json tiny_llama() {
    return {{"model_type", "llama"},         {"hidden_size", 16},       {"intermediate_size", 32},
            {"num_hidden_layers", 2},        {"num_attention_heads", 4}, {"num_key_value_heads", 2},
            {"vocab_size", 64},              {"max_position_embeddings", 64}, {"initializer_range", 0.5},
            {"tie_word_embeddings", false},  {"rms_norm_eps", 1e-5}};
}

using test::error_of;

class CheckpointRules : public ::testing::Test {
protected:
    void SetUp() override { dir_ = test::temp_dir("checkpoint_rules"); }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // config.json plus a synthetic checkpoint of it in `dtype`.
    void make(const nlohmann::json& cfg, DType dtype = DType::F32) {
        std::ofstream(dir_ / "config.json") << cfg.dump();
        write_synthetic_checkpoint(dir_ / "config.json", 3, dir_ / "model.safetensors", dtype);
    }
    // Rewrites model.safetensors (f32 values) to `out`, minus `drop`, plus `extra` tensors of
    // `extra_elements` values, lm_head replaced by the embedding table when `head_as_embed`.
    void rewrite(const std::filesystem::path& out, const std::vector<std::string>& extra, std::int64_t extra_elements = 16,
                 const std::string& drop = "", bool head_as_embed = false) {
        const TensorFile in = SafetensorsFile::open(dir_ / "model.safetensors");
        std::vector<SafetensorsEntry> table;
        for (const TensorInfo& t : in.tensors())
            if (t.name != drop) table.push_back({t.name, t.shape, DType::F32});
        for (const std::string& name : extra) table.push_back({name, {extra_elements}, DType::F32});
        SafetensorsWriter w(out, table, {});
        for (const SafetensorsEntry& e : w.tensors()) {
            const TensorInfo* t = in.find(e.name == "lm_head.weight" && head_as_embed ? "model.embed_tokens.weight" : e.name);
            const std::vector<float> v = t ? in.to_f32(*t) : std::vector<float>(static_cast<std::size_t>(e.elements()), 0.5f);
            w.write(std::span<const float>(v));
        }
        w.finish();
    }
    std::filesystem::path dir_;
};

TEST(ConfigFields, MathChangingFieldsRefusedWithTheirName) {
    const std::vector<std::pair<const char*, nlohmann::json>> refused = {
        {"attention_bias", true},
        {"mlp_bias", true},
        {"rope_scaling", {{"type", "linear"}, {"factor", 2.0}}},
        {"partial_rotary_factor", 0.5},
        {"attn_logit_softcapping", 50.0},
        {"final_logit_softcapping", 30.0},
        {"use_qk_norm", true},
        {"num_local_experts", 8},
        {"a_field_nobody_listed", 1},
    };
    for (const auto& [field, value] : refused) {
        auto cfg = tiny_llama();
        cfg[field] = value;
        const std::string e = error_of([&] { ModelConfig::from_json_text(cfg.dump(), "cfg.json"); });
        EXPECT_NE(e.find(std::string("'") + field + "'"), std::string::npos) << field << ": " << e;
        EXPECT_NE(e.find("cfg.json"), std::string::npos) << e;
        EXPECT_EQ(e.find('\n'), std::string::npos) << e;
    }
}

TEST(ConfigFields, NeutralValuesAndUpstreamMetadataAccepted) {
    auto cfg = tiny_llama();
    cfg["attention_bias"] = false;
    cfg["mlp_bias"] = false;
    cfg["rope_scaling"] = nullptr;
    cfg["partial_rotary_factor"] = 1;
    cfg["final_logit_softcapping"] = nullptr;
    cfg["architectures"] = {"LlamaForCausalLM"};
    cfg["torch_dtype"] = "bfloat16";
    cfg["pretraining_tp"] = 1;
    EXPECT_EQ(error_of([&] { ModelConfig::from_json_text(cfg.dump(), "cfg.json"); }), "");
    // Qwen2-style "use_sliding_window": false means no window, whatever sliding_window says.
    cfg["sliding_window"] = 8;
    cfg["use_sliding_window"] = false;
    EXPECT_EQ(ModelConfig::from_json_text(cfg.dump(), "cfg.json").sliding_window, 0);
    cfg["use_sliding_window"] = true;
    EXPECT_NE(error_of([&] { ModelConfig::from_json_text(cfg.dump(), "cfg.json"); }).find("use_sliding_window"), std::string::npos);
}

TEST(ConfigFields, TableRowsAreUniqueAndRefusedRowsHaveNeutralValues) {
    std::set<std::string_view> names;
    for (const ConfigField& f : config_fields()) {
        EXPECT_TRUE(names.insert(f.name).second) << f.name;
        if (f.support == FieldSupport::refused_unless_neutral) {
            EXPECT_FALSE(f.neutral.empty()) << f.name;
        }
        EXPECT_FALSE(f.meaning.empty()) << f.name;
    }
    EXPECT_TRUE(harmless_unused_tensor("model.layers.3.self_attn.rotary_emb.inv_freq"));
    EXPECT_FALSE(harmless_unused_tensor("model.layers.3.self_attn.q_proj.bias"));
}

TEST_F(CheckpointRules, UnusedTensorsRefusedNamingUpToFive) {
    make(tiny_llama());
    std::vector<std::string> extra;
    for (const char* p : {"q", "k", "v", "o"})
        for (int l = 0; l < 2; ++l) extra.push_back("model.layers." + std::to_string(l) + ".self_attn." + p + "_proj.bias");
    rewrite(dir_ / "with_bias.safetensors", extra);
    std::filesystem::rename(dir_ / "with_bias.safetensors", dir_ / "model.safetensors");
    const std::string e = error_of([&] { Weights::load(dir_); });
    EXPECT_NE(e.find("8 tensor(s)"), std::string::npos) << e;
    EXPECT_NE(e.find("'model.layers.0.self_attn.k_proj.bias'"), std::string::npos) << e;  // file order is sorted
    EXPECT_NE(e.find("and 3 more"), std::string::npos) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST_F(CheckpointRules, QkNormTensorRefusedButRotaryInvFreqAllowed) {
    make(tiny_llama());
    rewrite(dir_ / "m.safetensors", {"model.layers.0.self_attn.q_norm.weight"}, 4);
    std::filesystem::rename(dir_ / "m.safetensors", dir_ / "model.safetensors");
    EXPECT_NE(error_of([&] { Weights::load(dir_); }).find("q_norm"), std::string::npos);
    make(tiny_llama());
    rewrite(dir_ / "m.safetensors", {"model.layers.0.self_attn.rotary_emb.inv_freq"}, 2);
    std::filesystem::rename(dir_ / "m.safetensors", dir_ / "model.safetensors");
    EXPECT_EQ(error_of([&] { Weights::load(dir_); }), "");
}

TEST_F(CheckpointRules, TieWordEmbeddingsMustMatchTheTensors) {
    // Untied config, no lm_head in the file.
    make(tiny_llama());
    rewrite(dir_ / "m.safetensors", {}, 0, "lm_head.weight");
    std::filesystem::rename(dir_ / "m.safetensors", dir_ / "model.safetensors");
    EXPECT_NE(error_of([&] { Weights::load(dir_); }).find("tie_word_embeddings: false"), std::string::npos);
    // Tied config, an lm_head that differs from the embedding table.
    auto tied = tiny_llama();
    tied["tie_word_embeddings"] = true;
    make(tiny_llama());  // untied file: its lm_head is an independent random matrix
    std::ofstream(dir_ / "config.json") << tied.dump();
    EXPECT_NE(error_of([&] { Weights::load(dir_); }).find("differs from"), std::string::npos);
    // Tied config, an lm_head that is a byte-identical copy: accepted, read as the table.
    rewrite(dir_ / "m.safetensors", {}, 0, "", /*head_as_embed=*/true);
    std::filesystem::rename(dir_ / "m.safetensors", dir_ / "model.safetensors");
    const auto w = Weights::load(dir_);
    EXPECT_EQ(w->lm_head(), w->embed_tensor());
}

// Logits of every position of a fixed prompt.
std::vector<float> logits_of(const std::shared_ptr<const Weights>& w, const char* kernels) {
    Session s(w, kernels::make_kernel_set(kernels));
    const std::vector<int> ids = {1, 7, 33, 2, 63, 5};
    const auto l = s.forward(ids, true);
    return {l.begin(), l.end()};
}

TEST_F(CheckpointRules, Bf16FileEqualsItsExactF32WideningInBothRunFormatsAndIsUsedInPlace) {
    make(tiny_llama(), DType::BF16);
    const auto bf16_file = Weights::load(dir_);
    // The same values as an f32 file (bf16 widens exactly).
    std::filesystem::create_directories(dir_ / "f32");
    std::filesystem::copy(dir_ / "config.json", dir_ / "f32" / "config.json");
    rewrite(dir_ / "f32" / "model.safetensors", {});
    const auto f32_file = Weights::load(dir_ / "f32");
    for (const char* ks : {"naive", "tbb", "bf16", "naive,weights=bf16"}) {
        const auto a = logits_of(bf16_file, ks), b = logits_of(f32_file, ks);
        ASSERT_EQ(a.size(), b.size());
        EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << ks;
    }
    // In place: every matrix of a bf16 file in a bf16 run, of an f32 file in an f32 run, is
    // the mapped tensor itself; nothing is copied.
    const auto& pb = bf16_file->projections(kernels::WeightFormat::bf16);
    const auto& pf = f32_file->projections(kernels::WeightFormat::f32);
    auto mapped = [](const std::shared_ptr<const Weights>& w, const TensorInfo* t) {
        return static_cast<const void*>(w->file_map().bytes(*t).data());
    };
    for (int l = 0; l < bf16_file->config().n_layers; ++l) {
        const LayerWeights& wb = bf16_file->layer(l);
        const LayerWeights& wf = f32_file->layer(l);
        const Projections::Layer& b = pb.layer(l);
        const Projections::Layer& f = pf.layer(l);
        EXPECT_EQ(static_cast<const void*>(b.q.bf16), mapped(bf16_file, wb.wq));
        EXPECT_EQ(static_cast<const void*>(b.k.bf16), mapped(bf16_file, wb.wk));
        EXPECT_EQ(static_cast<const void*>(b.v.bf16), mapped(bf16_file, wb.wv));
        EXPECT_EQ(static_cast<const void*>(b.o.bf16), mapped(bf16_file, wb.wo));
        EXPECT_EQ(static_cast<const void*>(b.gate.bf16), mapped(bf16_file, wb.w_gate));
        EXPECT_EQ(static_cast<const void*>(b.up.bf16), mapped(bf16_file, wb.w_up));
        EXPECT_EQ(static_cast<const void*>(b.down.bf16), mapped(bf16_file, wb.w_down));
        EXPECT_EQ(static_cast<const void*>(f.q.f32), mapped(f32_file, wf.wq));
        EXPECT_EQ(static_cast<const void*>(f.v.f32), mapped(f32_file, wf.wv));
        EXPECT_EQ(static_cast<const void*>(f.up.f32), mapped(f32_file, wf.w_up));
        EXPECT_EQ(static_cast<const void*>(f.down.f32), mapped(f32_file, wf.w_down));
    }
    EXPECT_EQ(static_cast<const void*>(pb.lm_head().bf16), mapped(bf16_file, bf16_file->lm_head()));
    EXPECT_EQ(static_cast<const void*>(f32_file->embed()), mapped(f32_file, f32_file->embed_tensor()));
    EXPECT_EQ(pf.copied_bytes(), 0u);
    EXPECT_EQ(pb.copied_bytes(), 0u);
    // Across formats, exactly one copy of each matrix in the run's format.
    const ModelConfig& c = f32_file->config();
    const std::size_t H = c.hidden, Q = c.q_dim(), KV = c.kv_dim(), F = c.intermediate;
    const std::size_t matrices = c.n_layers * ((Q + 2 * KV) * H + H * Q + 3 * F * H) + c.vocab * H;
    EXPECT_EQ(f32_file->projections(kernels::WeightFormat::bf16).copied_bytes(), matrices * sizeof(std::uint16_t));
}

}  // namespace
}  // namespace lmh
