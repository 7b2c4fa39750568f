// Qwen2's q/k/v biases and Qwen3's per-head q/k RMSNorm, checked op by op inside the forward
// pass of tiny synthetic models, for every f32 kernel set: the session's own taps of layer 0
// (attn_norm as input; q_norm, k_norm, q, k, v as outputs) against the same ops evaluated
// here in double from the checkpoint's weights: x·Wᵀ + b, an RMSNorm over each head_dim slice
// with the q_norm/k_norm weights, and RoPE from the textbook angle pos·theta^(−2i/d).
// Hugging Face's Qwen2Attention / Qwen3Attention define the order: projection, bias, per-head
// norm, RoPE. Also the checkpoint's tensor table and the refusals around it.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/safetensors.h"
#include "engine/session.h"
#include "engine/synth.h"
#include "test_paths.h"

namespace lmh {
namespace {

nlohmann::json tiny(const std::string& model_type) {
    nlohmann::json c = {{"model_type", model_type},   {"hidden_size", 32},       {"intermediate_size", 48},
                        {"num_hidden_layers", 2},     {"num_attention_heads", 4}, {"num_key_value_heads", 2},
                        {"vocab_size", 64},           {"max_position_embeddings", 64},
                        {"rms_norm_eps", 1e-6},       {"rope_theta", 1000000.0}, {"initializer_range", 0.1},
                        {"tie_word_embeddings", true}};
    if (model_type == "qwen3") c["head_dim"] = 16;  // != 32 / 4
    if (model_type == "qwen2") {
        c["sliding_window"] = 4;  // off: use_sliding_window false (checked below)
        c["use_sliding_window"] = false;
    }
    return c;
}

class Taps : public ForwardObserver {
public:
    void on_tensor(const TensorTap& t) override {
        if (t.layer == 0) got[std::string(t.name)].assign(t.data, t.data + static_cast<long>(t.rows) * t.cols);
    }
    std::map<std::string, std::vector<float>> got;
};

double nmse(const std::vector<double>& want, const std::vector<float>& got) {
    double num = 0, den = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        num += (got[i] - want[i]) * (got[i] - want[i]);
        den += want[i] * want[i];
    }
    return num / den;
}

class QwenAttention : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override {
        dir_ = test::temp_dir("qwen_" + GetParam());
        std::ofstream(dir_ / "config.json") << tiny(GetParam()).dump();
        write_synthetic_checkpoint(dir_ / "config.json", 3, dir_ / "model.safetensors");
        weights_ = Weights::load(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    // x [T × H] · W[rows × H]ᵀ + b, in double.
    // The stored matrix as f32, read from the mapped file (the test model is an f32 file).
    std::vector<float> matrix(const TensorInfo* t) const {
        EXPECT_EQ(t->dtype, DType::F32);
        const auto raw = weights_->file_map().bytes(*t);
        std::vector<float> m(raw.size() / sizeof(float));
        std::memcpy(m.data(), raw.data(), m.size() * sizeof(float));
        return m;
    }
    std::vector<double> project(const std::vector<float>& x, const TensorInfo* t, const float* b, int rows) const {
        const std::vector<float> w = matrix(t);
        const int H = weights_->config().hidden, T = static_cast<int>(x.size()) / H;
        std::vector<double> y(static_cast<std::size_t>(T) * rows);
        for (int t = 0; t < T; ++t)
            for (int r = 0; r < rows; ++r) {
                double s = b ? b[r] : 0.0;
                for (int k = 0; k < H; ++k) s += static_cast<double>(x[t * H + k]) * w[r * H + k];
                y[static_cast<std::size_t>(t) * rows + r] = s;
            }
        return y;
    }
    // RMSNorm over each head_dim slice with weights g, in double.
    std::vector<double> head_norm(std::vector<double> y, const float* g) const {
        const int d = weights_->config().head_dim;
        for (std::size_t h = 0; h < y.size() / d; ++h) {
            double ss = 0;
            for (int i = 0; i < d; ++i) ss += y[h * d + i] * y[h * d + i];
            const double inv = 1.0 / std::sqrt(ss / d + weights_->config().rms_eps);
            for (int i = 0; i < d; ++i) y[h * d + i] *= inv * g[i];
        }
        return y;
    }
    // Rotate-half RoPE of rows at positions 0.., from the plain angle (no scaling here).
    template <typename V>
    std::vector<double> rope(const V& y, int heads) const {
        const ModelConfig& c = weights_->config();
        const int d = c.head_dim, half = d / 2, width = heads * d;
        std::vector<double> out(y.begin(), y.end());
        for (std::size_t row = 0; row < y.size() / width; ++row)
            for (int h = 0; h < heads; ++h)
                for (int i = 0; i < half; ++i) {
                    const double a = static_cast<double>(row) * std::pow(c.rope_theta, -2.0 * i / d);
                    const std::size_t o = row * width + static_cast<std::size_t>(h) * d + i;
                    out[o] = y[o] * std::cos(a) - y[o + half] * std::sin(a);
                    out[o + half] = y[o + half] * std::cos(a) + y[o] * std::sin(a);
                }
        return out;
    }

    std::filesystem::path dir_;
    std::shared_ptr<const Weights> weights_;
};

TEST_P(QwenAttention, ProjectionBiasHeadNormAndRopeMatchDoublePrecision) {
    const ModelConfig& c = weights_->config();
    const LayerWeights& w = weights_->layer(0);
    const int Q = c.q_dim(), KV = c.kv_dim();
    const std::vector<int> ids = {3, 17, 42, 5, 63, 0, 9};
    for (const std::string& set : kernels::variant_names()) {
        Session s(weights_, kernels::make_kernel_set(set));
        Taps taps;
        s.set_observer(&taps);
        s.forward(ids, true);
        const auto& x = taps.got.at("attn_norm");
        std::vector<double> q = project(x, w.wq, w.q_bias, Q), k = project(x, w.wk, w.k_bias, KV);
        const std::vector<double> v = project(x, w.wv, w.v_bias, KV);
        if (c.qk_norm) {
            q = head_norm(q, w.q_norm);
            k = head_norm(k, w.k_norm);
            EXPECT_LE(nmse(q, taps.got.at("q_norm")), 1e-11) << set;
            EXPECT_LE(nmse(k, taps.got.at("k_norm")), 1e-11) << set;
        } else {
            EXPECT_EQ(taps.got.count("q_norm"), 0u);
        }
        EXPECT_LE(nmse(rope(q, c.n_heads), taps.got.at("q")), 1e-11) << set;
        EXPECT_LE(nmse(rope(k, c.n_kv_heads), taps.got.at("k")), 1e-11) << set;
        EXPECT_LE(nmse(v, taps.got.at("v")), 1e-11) << set;
    }
}

TEST_P(QwenAttention, TheFamilysTensorsAreLoadedAndMatter) {
    const ModelConfig& c = weights_->config();
    const LayerWeights& w = weights_->layer(1);
    const TensorFile st = SafetensorsFile::open(dir_ / "model.safetensors");
    if (GetParam() == "qwen2") {
        EXPECT_TRUE(c.qkv_bias);
        EXPECT_EQ(c.sliding_window, 0);  // use_sliding_window: false switches the window off
        ASSERT_NE(w.q_bias, nullptr);
        ASSERT_NE(w.v_bias, nullptr);
        EXPECT_EQ(w.q_norm, nullptr);
        EXPECT_EQ(st.find("model.layers.1.self_attn.k_proj.bias")->shape, std::vector<std::int64_t>{c.kv_dim()});
        EXPECT_NE(w.k_bias[0], 0.0f);  // synth draws biases (HF would init them to 0)
    } else {
        EXPECT_TRUE(c.qk_norm);
        EXPECT_EQ(c.head_dim, 16);
        EXPECT_EQ(c.q_dim(), 64);
        ASSERT_NE(w.q_norm, nullptr);
        EXPECT_EQ(w.q_bias, nullptr);
        EXPECT_EQ(st.find("model.layers.1.self_attn.q_norm.weight")->shape, std::vector<std::int64_t>{16});
        EXPECT_EQ(st.find("model.layers.0.self_attn.q_proj.bias"), nullptr);
        // 1 + N(0, 0.1): not all ones, so skipping or swapping the norms changes the output.
        int not_one = 0;
        for (int i = 0; i < 16; ++i) not_one += w.k_norm[i] != 1.0f && std::abs(w.k_norm[i] - 1.0f) < 0.5f;
        EXPECT_GE(not_one, 15);
    }
}

TEST_P(QwenAttention, MissingFamilyTensorIsRefused) {
    // The family's config over a plain llama checkpoint of the same shapes is refused, naming
    // the first tensor it lacks.
    nlohmann::json llama = tiny(GetParam());
    llama["model_type"] = "llama";
    std::ofstream(dir_ / "config.json") << llama.dump();
    write_synthetic_checkpoint(dir_ / "config.json", 3, dir_ / "model.safetensors");
    std::ofstream(dir_ / "config.json") << tiny(GetParam()).dump();
    try {
        Weights::load(dir_);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        const std::string want = GetParam() == "qwen2" ? "self_attn.q_proj.bias" : "self_attn.q_norm.weight";
        EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Families, QwenAttention, ::testing::Values("qwen2", "qwen3"));

TEST(QwenConfig, SlidingWindowSwitchedOnIsRefused) {
    nlohmann::json c = tiny("qwen2");
    c["use_sliding_window"] = true;
    EXPECT_THROW(ModelConfig::from_json_text(c.dump(), "config.json"), Error);
    c["model_type"] = "gemma";
    try {
        ModelConfig::from_json_text(c.dump(), "config.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("qwen2, qwen3"), std::string::npos);
    }
}

}  // namespace
}  // namespace lmh
