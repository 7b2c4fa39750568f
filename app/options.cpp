#include "app/options.h"

#include "util/error.h"

namespace lmh::app {

void RunOptions::add_to(CLI::App& cmd) {
    cmd.add_option("--kernels", kernels,
                   "Kernel variants: one name for every op (e.g. tbb-simd), or per op "
                   "(matmul=simd,attention=blocked), plus weights=bf16|q8_0|q4_0 for bf16 or quantized matmul weights and "
                   "acts=f32|q8 for the quantized matmuls' activations, acts=bf16 to round the activations of bf16 weights to "
                   "bf16 (the sets 'bf16', 'q8_0', 'q4_0' are the default variants with those weights, acts=q8; 'bf16xbf16' "
                   "is 'bf16' with acts=bf16); a name may end in @avx2 to use no AVX-512 rows; see `lmharness kernels`. "
                   "Default: the fastest set this CPU supports");
    cmd.add_option("--threads", threads, "Worker threads for the parallel kernels (default: all cores)")
        ->check(CLI::Range(1, 1024).description("an integer from 1 to 1024"));
}

kernels::KernelSet RunOptions::kernel_set() const {
    return kernels::make_kernel_set_for(kernels, "--kernels");
}

std::unique_ptr<tbb::global_control> RunOptions::limit_threads() const {
    if (threads <= 0) return nullptr;
    return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism,
                                                 static_cast<std::size_t>(threads));
}

void SamplingOptions::add_to(CLI::App& cmd) {
    cmd.add_option("--temperature", params.temperature, "Sampling temperature; 0 means greedy")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber.description("a number >= 0"));
    cmd.add_option("--top-k", params.top_k, "Keep the K most likely tokens; 0 keeps all, 1 is greedy")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber.description("an integer >= 0"));
    cmd.add_option("--top-p", params.top_p, "Nucleus sampling: keep the smallest set with this much probability")
        ->capture_default_str()
        ->check(CLI::Validator(
            [](std::string& s) -> std::string {
                try {
                    const double v = std::stod(s);
                    if (v > 0.0 && v <= 1.0) return {};
                } catch (...) {
                }
                return "top-p must be in (0, 1], got " + s;
            },
            "a number in (0, 1]"));
    cmd.add_option("--seed", params.seed, "Random seed: the same seed gives the same text on any machine")
        ->capture_default_str();
}

void GenerationCli::add_budget(CLI::App& cmd, const std::string& flags, const std::string& description) {
    cmd.add_option(flags, max_tokens, description)
        ->capture_default_str()
        ->check(CLI::Range(1, 1 << 20).description("an integer >= 1"));
}

void GenerationCli::add_to(CLI::App& cmd) {
    run.add_to(cmd);
    sampling.add_to(cmd);
}

std::unique_ptr<tbb::global_control> GenerationCli::start() const {
    validate(sampling.params);
    return run.limit_threads();
}

void TokenIdsOption::add_to(CLI::App& cmd) {
    cmd.add_option("--ids", text, "Token ids, e.g. 1,415,2135")->required();
}

std::vector<int> TokenIdsOption::parse() const { return parse_int_list(text, "--ids"); }

void add_model_option(CLI::App& cmd, std::string& model, const std::string& description) {
    cmd.add_option("-m,--model", model, description)->capture_default_str();
}

}  // namespace lmh::app
