// Synthetic checkpoint generation.
//
// Portability of the random weights. The checkpoint's sha256 is checked in a test, so every
// bit must be the same on every machine:
//   - Uniform bits: xoshiro256** (Blackman & Vigna), seeded per tensor by splitmix64 from
//     (seed, FNV-1a 64 of the tensor name). Integer arithmetic only, so exact everywhere, and
//     each tensor's values do not depend on which tensors exist or the order they are made.
//   - Normal deviates: Marsaglia's polar method. It needs ln(s), and libm's log is not
//     correctly rounded (glibc, musl, MSVC and macOS may differ by an ulp), so ln is computed
//     here from frexp (exact) and a fixed series evaluated with +, -, *, / only. IEEE 754
//     rounds each of those, and sqrt, correctly, so every platform gets the same doubles.
//     (Irwin-Hall, a sum of 12 uniforms, would also be exact but is only roughly normal: no
//     tails beyond 6 sigma and the wrong kurtosis.)
//   - This requires that the compiler neither fuses a*b+c into an FMA nor keeps excess
//     precision. GCC contracts by default even in ISO C++ mode when FMA instructions are
//     available (-march=native: u*u + v*v became one vfmadd), so contraction is switched off
//     for this file below, for GCC and Clang; x87 excess precision and -ffast-math are refused.
//     (Checked: the chat checkpoint hash is the same with g++ and clang++, -O0 to -O3,
//     with and without -march=native.)
#include "engine/synth.h"

#include <algorithm>
#include <cfloat>
#include <cstring>
#include <cmath>
#include <fstream>
#include <set>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/safetensors_writer.h"

#if defined(__FAST_MATH__)
#error "engine/synth.cpp must not be built with -ffast-math: checkpoint bytes would depend on the compiler"
#endif
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif
static_assert(FLT_EVAL_METHOD == 0, "double arithmetic must round to double at every step");

namespace lmh {
namespace {

std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}


// ln(s) for 0 < s < 1 with correctly rounded operations only (see the file comment).
// s = m * 2^e with m in [sqrt(1/2), sqrt(2)); ln(m) = 2 atanh(t), t = (m-1)/(m+1), |t| < 0.172,
// and the atanh series sum t^(2k+1)/(2k+1) over k = 0..10 leaves a remainder below 1e-18 of
// the result: far below double precision, so the deviates are normal to double accuracy.
double portable_log(double s) {
    int e = 0;
    double m = std::frexp(s, &e);  // exact
    constexpr double kSqrtHalf = 0x1.6a09e667f3bcdp-1;
    if (m < kSqrtHalf) {
        m *= 2.0;  // exact
        --e;
    }
    const double t = (m - 1.0) / (m + 1.0);
    const double t2 = t * t;
    double series = 1.0 / 21.0;
    for (int k = 9; k >= 0; --k) {
        const double scaled = series * t2;
        series = scaled + 1.0 / (2 * k + 1);
    }
    constexpr double kLn2 = 0x1.62e42fefa39efp-1;
    const double log_m = 2.0 * t * series;
    const double log_pow = static_cast<double>(e) * kLn2;
    return log_pow + log_m;
}

// x rounded to `p` significant bits, with exponents below `emin` sharing emin's quantum
// (subnormals), to nearest with ties to even. Scaling by powers of two is exact, so only the
// tie decision rounds, and it is made here on exact values rather than by the FPU's mode.
double round_to_precision(double x, int p, int emin) {
    if (x == 0.0 || !std::isfinite(x)) return x;
    int e = 0;
    std::frexp(x, &e);  // |x| = m * 2^e, m in [0.5, 1): the leading bit has exponent e - 1
    const int quantum = std::max(e - 1, emin) - (p - 1);
    const double scaled = std::ldexp(std::fabs(x), -quantum);  // < 2^p: integer part and fraction exact
    double whole = std::floor(scaled);
    const double frac = scaled - whole;
    if (frac > 0.5 || (frac == 0.5 && std::fmod(whole, 2.0) != 0.0)) whole += 1.0;
    return std::copysign(std::ldexp(whole, quantum), x);
}

// ---- config -------------------------------------------------------------------------------

struct SynthShape {
    std::int64_t hidden, intermediate, layers, heads, kv_heads, head_dim, vocab;
    double init_range;
    bool tied;
    bool qkv_bias;  // qwen2
    bool qk_norm;   // qwen3
};

std::int64_t positive_int(const nlohmann::json& cfg, const char* field, const std::string& file) {
    const auto it = cfg.find(field);
    if (it == cfg.end()) throw Error("missing field \"" + std::string(field) + "\" in " + file);
    if (!it->is_number_integer() || it->get<std::int64_t>() <= 0 || it->get<std::int64_t>() > (1 << 24)) {
        throw Error("invalid field \"" + std::string(field) + "\" in " + file +
                    ": expected a positive integer up to 2^24, found " + it->dump());
    }
    return it->get<std::int64_t>();
}

SynthShape read_shape(const std::filesystem::path& config_json) {
    const std::string file = config_json.string();
    std::ifstream in(config_json, std::ios::binary);
    if (!in) throw Error("cannot open " + file);
    nlohmann::json cfg;
    try {
        cfg = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error("invalid JSON in " + file + ": " + e.what());
    }
    if (!cfg.is_object()) throw Error("invalid " + file + ": expected a JSON object");

    SynthShape s{};
    s.hidden = positive_int(cfg, "hidden_size", file);
    s.intermediate = positive_int(cfg, "intermediate_size", file);
    s.layers = positive_int(cfg, "num_hidden_layers", file);
    s.heads = positive_int(cfg, "num_attention_heads", file);
    s.kv_heads = positive_int(cfg, "num_key_value_heads", file);
    s.vocab = positive_int(cfg, "vocab_size", file);
    if (s.heads % s.kv_heads != 0) {
        throw Error("invalid field \"num_key_value_heads\" in " + file + ": " + std::to_string(s.kv_heads) +
                    " does not divide num_attention_heads " + std::to_string(s.heads));
    }
    if (cfg.contains("head_dim") && !cfg["head_dim"].is_null()) {
        s.head_dim = positive_int(cfg, "head_dim", file);
    } else if (s.hidden % s.heads != 0) {
        throw Error("invalid field \"num_attention_heads\" in " + file + ": " + std::to_string(s.heads) +
                    " does not divide hidden_size " + std::to_string(s.hidden) + " and there is no head_dim");
    } else {
        s.head_dim = s.hidden / s.heads;
    }
    const auto range = cfg.find("initializer_range");
    if (range == cfg.end()) throw Error("missing field \"initializer_range\" in " + file);
    if (!range->is_number() || !(range->get<double>() > 0.0) || !std::isfinite(range->get<double>())) {
        throw Error("invalid field \"initializer_range\" in " + file + ": expected a positive number, found " +
                    range->dump());
    }
    s.init_range = range->get<double>();
    const auto tied = cfg.find("tie_word_embeddings");
    if (tied == cfg.end()) throw Error("missing field \"tie_word_embeddings\" in " + file);
    if (!tied->is_boolean()) {
        throw Error("invalid field \"tie_word_embeddings\" in " + file + ": expected true or false, found " +
                    tied->dump());
    }
    s.tied = tied->get<bool>();
    const auto type = cfg.find("model_type");
    if (type != cfg.end() && !type->is_string())
        throw Error("invalid field \"model_type\" in " + file + ": expected a string, found " + type->dump());
    s.qkv_bias = type != cfg.end() && *type == "qwen2";
    s.qk_norm = type != cfg.end() && *type == "qwen3";
    return s;
}

// The tensor table of HF LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM /
// Qwen3ForCausalLM (nn.Linear weights are [out_features, in_features]). `norms` gets the
// RMSNorm weights that are 1, `head_norms` qwen3's q_norm/k_norm weights (see below).
std::vector<SafetensorsEntry> checkpoint_tensors(const SynthShape& s, std::set<std::string>& norms,
                                                 std::set<std::string>& head_norms) {
    const std::int64_t q_dim = s.heads * s.head_dim;
    const std::int64_t kv_dim = s.kv_heads * s.head_dim;
    std::vector<SafetensorsEntry> t;
    t.push_back({"model.embed_tokens.weight", {s.vocab, s.hidden}});
    for (std::int64_t l = 0; l < s.layers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        t.push_back({p + "self_attn.q_proj.weight", {q_dim, s.hidden}});
        t.push_back({p + "self_attn.k_proj.weight", {kv_dim, s.hidden}});
        t.push_back({p + "self_attn.v_proj.weight", {kv_dim, s.hidden}});
        if (s.qkv_bias) {
            t.push_back({p + "self_attn.q_proj.bias", {q_dim}});
            t.push_back({p + "self_attn.k_proj.bias", {kv_dim}});
            t.push_back({p + "self_attn.v_proj.bias", {kv_dim}});
        }
        if (s.qk_norm) {
            t.push_back({p + "self_attn.q_norm.weight", {s.head_dim}});
            t.push_back({p + "self_attn.k_norm.weight", {s.head_dim}});
            head_norms.insert(p + "self_attn.q_norm.weight");
            head_norms.insert(p + "self_attn.k_norm.weight");
        }
        t.push_back({p + "self_attn.o_proj.weight", {s.hidden, q_dim}});
        t.push_back({p + "mlp.gate_proj.weight", {s.intermediate, s.hidden}});
        t.push_back({p + "mlp.up_proj.weight", {s.intermediate, s.hidden}});
        t.push_back({p + "mlp.down_proj.weight", {s.hidden, s.intermediate}});
        t.push_back({p + "input_layernorm.weight", {s.hidden}});
        t.push_back({p + "post_attention_layernorm.weight", {s.hidden}});
        norms.insert(p + "input_layernorm.weight");
        norms.insert(p + "post_attention_layernorm.weight");
    }
    t.push_back({"model.norm.weight", {s.hidden}});
    norms.insert("model.norm.weight");
    if (!s.tied) t.push_back({"lm_head.weight", {s.vocab, s.hidden}});
    return t;
}

}  // namespace

SyntheticNormalStream::SyntheticNormalStream(std::uint64_t seed, std::string_view tensor_name) {
    std::uint64_t sm = seed;
    sm = Rng::splitmix64(sm) ^ fnv1a64(tensor_name);
    std::array<std::uint64_t, 4> state;
    for (std::uint64_t& word : state) word = Rng::splitmix64(sm);
    rng_ = Rng(state);
}

std::uint64_t SyntheticNormalStream::next_bits() { return rng_.next(); }

double SyntheticNormalStream::next_signed_unit() {
    // k * 2^-52 - 1 for k < 2^53 is exact in double.
    return static_cast<double>(next_bits() >> 11) * 0x1.0p-52 - 1.0;
}

void SyntheticNormalStream::fill(std::span<double> out) {
    for (double& x : out) {
        if (has_spare_) {
            x = spare_;
            has_spare_ = false;
            continue;
        }
        double u = 0.0, v = 0.0, s = 0.0;
        do {
            u = next_signed_unit();
            v = next_signed_unit();
            const double uu = u * u;
            const double vv = v * v;
            s = uu + vv;
        } while (s >= 1.0 || s == 0.0);
        const double ratio = -2.0 * portable_log(s) / s;
        const double factor = std::sqrt(ratio);  // IEEE 754 requires sqrt correctly rounded
        x = u * factor;
        spare_ = v * factor;
        has_spare_ = true;
    }
}

std::uint16_t double_to_bf16_bits(double x) {
    if (std::isnan(x)) return 0x7FC0;
    // bf16: 8 significant bits, f32's exponent range (normal from 2^-126).
    const double r = round_to_precision(x, 8, -126);
    constexpr double kMax = 0x1.FEp127;
    const float f = std::fabs(r) > kMax ? std::copysign(HUGE_VALF, static_cast<float>(x)) : static_cast<float>(r);  // exact
    std::uint32_t u = 0;
    std::memcpy(&u, &f, 4);
    return static_cast<std::uint16_t>(u >> 16);
}

std::uint16_t double_to_f16_bits(double x) {
    if (std::isnan(x)) return 0x7E00;
    // f16: 11 significant bits, normal from 2^-14, largest finite 65504.
    const double r = round_to_precision(x, 11, -14);
    const std::uint16_t sign = std::signbit(x) ? 0x8000 : 0;
    const double a = std::fabs(r);
    if (a > 65504.0) return sign | 0x7C00;
    if (a < 0x1p-14) return sign | static_cast<std::uint16_t>(std::ldexp(a, 24));  // subnormal: a / 2^-24
    int e = 0;
    std::frexp(a, &e);  // a = m * 2^e, leading bit 2^(e-1)
    const auto mant = static_cast<std::uint16_t>(std::ldexp(a, 11 - e) - 1024.0);
    return sign | static_cast<std::uint16_t>((e - 1 + 15) << 10) | mant;
}

void write_synthetic_checkpoint(const std::filesystem::path& config_json, std::uint64_t seed,
                                const std::filesystem::path& out, DType dtype) {
    const SynthShape shape = read_shape(config_json);
    std::set<std::string> norms, head_norms;
    std::vector<SafetensorsEntry> table = checkpoint_tensors(shape, norms, head_norms);
    for (SafetensorsEntry& t : table) t.dtype = dtype;
    SafetensorsWriter writer(out, std::move(table),
                             {{"format", "pt"}, {"lmharness_synthetic", "seed=" + std::to_string(seed)}});

    // Streamed in chunks so memory stays small whatever the model size.
    constexpr std::size_t kChunk = 1 << 16;
    std::vector<double> normal(kChunk);
    std::vector<float> values(kChunk);
    std::vector<std::uint16_t> bits(kChunk);
    for (const SafetensorsEntry& t : writer.tensors()) {
        const bool is_norm = norms.contains(t.name);
        SyntheticNormalStream stream(seed, t.name);
        for (std::int64_t done = 0, total = t.elements(); done < total;) {
            const auto n = static_cast<std::size_t>(std::min<std::int64_t>(kChunk, total - done));
            if (is_norm) {
                std::fill_n(normal.begin(), n, 1.0);  // RMSNorm weights start at 1, as in HF
            } else {
                stream.fill(std::span(normal).first(n));
                // qwen3's q_norm/k_norm weights are 1 + deviate instead of 1 (HF's init): with
                // all-ones weights a forward pass that skipped or swapped them would still
                // match its reference. Biases are deviates (HF inits them to 0) for the same reason.
                const bool head_norm = head_norms.contains(t.name);
                for (std::size_t i = 0; i < n; ++i) {
                    const double scaled = normal[i] * shape.init_range;
                    normal[i] = head_norm ? 1.0 + scaled : scaled;
                }
            }
            // One rounding, from the double, to the file's format.
            if (dtype == DType::F32) {
                for (std::size_t i = 0; i < n; ++i) values[i] = static_cast<float>(normal[i]);  // exact IEEE rule
                writer.write(std::span(values).first(n));
            } else {
                for (std::size_t i = 0; i < n; ++i)
                    bits[i] = dtype == DType::BF16 ? double_to_bf16_bits(normal[i]) : double_to_f16_bits(normal[i]);
                writer.write(std::span(bits).first(n));
            }
            done += static_cast<std::int64_t>(n);
        }
    }
    writer.finish();
}

}  // namespace lmh
