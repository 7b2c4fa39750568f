// Synthetic checkpoints: a full safetensors file (f32, bf16 or f16) with exactly the tensor
// names and shapes of a Hugging Face LlamaForCausalLM / MistralForCausalLM / Qwen2ForCausalLM /
// Qwen3ForCausalLM, filled with random weights, for
// models whose real weights are not available here (the engine, benchmarks and the CLI then
// run at the real model's size and memory traffic).
//
// The bytes are a pure function of (config, seed): every machine, compiler and standard
// library produces the same file, so its sha256 can be checked in a test. See synth.cpp for
// how the normal deviates avoid platform-dependent libm functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "engine/rng.h"
#include "engine/safetensors.h"

namespace lmh {

// Weights and biases ~ Normal(0, initializer_range), RMSNorm weights = 1 except qwen3's
// per-head q_norm/k_norm, 1 + Normal(0, initializer_range) (so that they matter). Every
// tensor is in `dtype`: each value is the double rounded once, to nearest even, to that
// format (so a bf16 file is not an f32 file rounded again, which would round twice). The file's __metadata__ holds
// {"format": "pt", "lmharness_synthetic": "seed=<seed>"} so tools can tell it from real
// weights. Throws lmh::Error naming the field and file for a missing or invalid config field.
void write_synthetic_checkpoint(const std::filesystem::path& config_json, std::uint64_t seed,
                                const std::filesystem::path& out, DType dtype = DType::F32);

// x rounded once, to nearest with ties to even, to bf16 / f16 (overflow gives ±Inf), as the
// format's bit pattern. Exposed for tests.
std::uint16_t double_to_bf16_bits(double x);
std::uint16_t double_to_f16_bits(double x);

// The random stream behind one tensor, exposed for tests: tensor `name` of a checkpoint
// with `seed` gets exactly these values (before conversion to float), independent of the
// other tensors and of the order they are written in.
class SyntheticNormalStream {
public:
    SyntheticNormalStream(std::uint64_t seed, std::string_view tensor_name);
    // Fills `out` with the next standard normal deviates (mean 0, standard deviation 1).
    void fill(std::span<double> out);

private:
    std::uint64_t next_bits();   // xoshiro256**
    double next_signed_unit();   // uniform on [-1, 1) with 53 random bits
    Rng rng_{0};
    double spare_ = 0.0;  // the polar method makes deviates in pairs
    bool has_spare_ = false;
};

}  // namespace lmh
