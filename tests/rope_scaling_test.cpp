// Llama 3 rope_scaling: the engine's scaled inverse frequencies (engine/rope_table.h) against
// (1) values derived by hand with Python's decimal module at 40 digits, from Hugging Face's
//     _compute_llama3_parameters (the same literals are checked by scripts/reference.py
//     --self-test), and
// (2) the formula re-evaluated here in long double from the band edges expressed as
//     frequency indices (i where the wavelength crosses original/high and original/low)
//     instead of comparing wavelengths: a different code path to the same numbers.
// Plus config parsing of rope_scaling, and the tables without scaling being unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "engine/config.h"
#include "util/error.h"
#include "engine/rope_table.h"

namespace lmh {
namespace {

RopeScaling llama32_scaling() {
    RopeScaling s;
    s.factor = 32;
    s.low_freq_factor = 1;
    s.high_freq_factor = 4;
    s.original_max_positions = 8192;
    return s;
}

TEST(RopeLlama3, InverseFrequenciesMatchHandDerivedValues) {
    // Llama 3.2: head_dim 64, rope_theta 500000. Wavelength 2π/inv_freq per index i:
    // i = 14: 1956 < 2048 (kept); 15, 16, 17: 2948, 4443, 6695 in [2048, 8192] (blended with
    // a = 0.5928, 0.2813, 0.0745); 18: 10089 > 8192 (divided by 32).
    const struct {
        int i;
        double inv_freq;
    } hand[] = {{0, 1.0},
                {10, 1.65604400809944455489e-2},
                {14, 3.21144599475259101854e-3},
                {15, 1.29054792820926381842e-3},
                {16, 4.29556796559368200541e-4},
                {17, 9.70828780262767226081e-5},
                {18, 1.94616381848311243611e-5},
                {20, 8.57025548988147869542e-6},
                {31, 9.41830672543490983985e-8}};
    for (const auto& h : hand)
        EXPECT_NEAR(rope_inv_freq(h.i, 64, 500000.0, llama32_scaling()) / h.inv_freq, 1.0, 1e-14) << "i = " << h.i;
}

// Long double, bands located by index: wavelength(i) = 2π·theta^(2i/d) grows with i, so
// "wavelength < original/high" is "i < d/2 · log(original/(2π·high)) / log(theta)".
long double llama3_by_index(int i, int d, long double theta, const RopeScaling& s) {
    const long double base = std::pow(theta, -2.0L * i / d);
    const long double two_pi = 2.0L * std::numbers::pi_v<long double>;
    const long double i_high = d / 2.0L * std::log(s.original_max_positions / (two_pi * s.high_freq_factor)) / std::log(theta);
    const long double i_low = d / 2.0L * std::log(s.original_max_positions / (two_pi * s.low_freq_factor)) / std::log(theta);
    if (i < i_high) return base;
    if (i > i_low) return base / s.factor;
    // In the band: orig/wavelength = orig·base/(2π), blended linearly between 1/factor and 1.
    const long double a = (s.original_max_positions * base / two_pi - s.low_freq_factor) /
                          (s.high_freq_factor - s.low_freq_factor);
    return base * (a + (1 - a) / s.factor);
}

TEST(RopeLlama3, EveryFrequencyMatchesAnIndependentEvaluation) {
    struct Case {
        int head_dim;
        double theta;
        RopeScaling scaling;
    };
    RopeScaling small = llama32_scaling();
    small.factor = 8;
    small.original_max_positions = 256;  // head_dim 16, theta 1e4: all three bands
    for (const Case& c : {Case{64, 500000.0, llama32_scaling()}, Case{128, 500000.0, llama32_scaling()},
                          Case{16, 10000.0, small}}) {
        int kept = 0, blended = 0, divided = 0;
        for (int i = 0; i < c.head_dim / 2; ++i) {
            const double got = rope_inv_freq(i, c.head_dim, c.theta, c.scaling);
            const long double want = llama3_by_index(i, c.head_dim, c.theta, c.scaling);
            EXPECT_NEAR(got / static_cast<double>(want), 1.0, 1e-13) << "head_dim " << c.head_dim << " i " << i;
            const double plain = std::pow(c.theta, -2.0 * i / c.head_dim);
            if (got == plain) ++kept;
            else if (std::abs(got * c.scaling.factor / plain - 1) < 1e-15) ++divided;
            else ++blended;
        }
        // Not vacuous: each case exercises all three bands.
        EXPECT_GT(kept, 0);
        EXPECT_GT(blended, 0);
        EXPECT_GT(divided, 0);
    }
}

TEST(RopeLlama3, TablesUseTheScaledFrequencies) {
    ModelConfig c;
    c.head_dim = 64;
    c.rope_theta = 500000.0;
    c.rope_scaling = llama32_scaling();
    const int positions = 100, half = 32;
    std::vector<float> cos(positions * half), sin(positions * half);
    fill_rope_tables(cos.data(), sin.data(), positions, c);
    for (int p : {1, 37, 99})
        for (int i : {0, 16, 31}) {
            const double angle = p * static_cast<double>(llama3_by_index(i, 64, 500000.0L, c.rope_scaling));
            EXPECT_NEAR(cos[static_cast<std::size_t>(p * half + i)], std::cos(angle), 1e-7);
            EXPECT_NEAR(sin[static_cast<std::size_t>(p * half + i)], std::sin(angle), 1e-7);
        }
}

TEST(RopeLlama3, NoScalingIsThePlainPower) {
    for (int i = 0; i < 32; ++i) EXPECT_EQ(rope_inv_freq(i, 64, 10000.0, RopeScaling{}), std::pow(10000.0, -2.0 * i / 64));
}

std::string config_with(const std::string& extra) {
    return R"({"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1, "num_attention_heads": 4,
               "vocab_size": 100, "max_position_embeddings": 64)" +
           extra + "}";
}

TEST(RopeLlama3, ConfigParsing) {
    const ModelConfig c = ModelConfig::from_json_text(
        config_with(R"(, "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
                       "original_max_position_embeddings": 8192, "rope_type": "llama3"})"),
        "config.json");
    EXPECT_EQ(c.rope_scaling.factor, 32.0);
    EXPECT_EQ(c.rope_scaling.low_freq_factor, 1.0);
    EXPECT_EQ(c.rope_scaling.high_freq_factor, 4.0);
    EXPECT_EQ(c.rope_scaling.original_max_positions, 8192);
    // The older key "type" is read too; null and "default" mean no scaling.
    EXPECT_EQ(ModelConfig::from_json_text(config_with(R"(, "rope_scaling": {"type": "llama3", "factor": 8,
              "high_freq_factor": 4, "low_freq_factor": 1, "original_max_position_embeddings": 256})"), "c")
                  .rope_scaling.factor,
              8.0);
    EXPECT_EQ(ModelConfig::from_json_text(config_with(R"(, "rope_scaling": null)"), "c").rope_scaling.factor, 0.0);
    EXPECT_EQ(ModelConfig::from_json_text(config_with(R"(, "rope_scaling": {"rope_type": "default"})"), "c").rope_scaling.factor,
              0.0);

    auto message = [](const std::string& extra) {
        try {
            ModelConfig::from_json_text(config_with(extra), "config.json");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(message(R"(, "rope_scaling": {"rope_type": "yarn", "factor": 4})").find("'rope_scaling' has type 'yarn', which is not supported"),
              std::string::npos);
    EXPECT_NE(message(R"(, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 1,
                        "high_freq_factor": 4})")
                  .find("original_max_position_embeddings"),
              std::string::npos);
    EXPECT_NE(message(R"(, "rope_scaling": {"rope_type": "llama3", "factor": 8, "low_freq_factor": 4,
                        "high_freq_factor": 1, "original_max_position_embeddings": 256})")
                  .find("high_freq_factor must be greater"),
              std::string::npos);
    EXPECT_NE(message(R"(, "rope_scaling": {"rope_type": "llama3", "factor": -1, "low_freq_factor": 1,
                        "high_freq_factor": 4, "original_max_position_embeddings": 256})")
                  .find("rope_scaling.factor"),
              std::string::npos);
    EXPECT_NE(message(R"(, "rope_scaling": 3)").find("must be an object"), std::string::npos);
}

}  // namespace
}  // namespace lmh
