// Fuzz target: bench::Workload::load (bench/workloads/*.json). Contract: lmh::Error or a
// workload whose counts are in their documented ranges.
#include <cstdint>

#include "bench/workload.h"
#include "util/error.h"
#include "fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lmh::fuzz::FuzzInputFile file("fuzz_workload.json");
    try {
        const auto w = lmh::bench::Workload::load(file.write(data, size), "/nonexistent");
        if (w.kind == "generate" && w.generate_tokens < 1) __builtin_trap();
        if (w.kind == "chat" && (w.turns.empty() || w.reply_tokens < 1)) __builtin_trap();
        if (w.kind == "serve" && (w.turns.empty() || w.sessions < 1 || w.max_batch < 1 || w.reply_lengths.empty() ||
                                  w.gemm_from_rows < 1 || (w.arrival == "poisson" && !(w.rate_per_second > 0))))
            __builtin_trap();
        for (int n : w.reply_lengths)
            if (n < 1) __builtin_trap();
    } catch (const lmh::Error&) {
    }
    return 0;
}
