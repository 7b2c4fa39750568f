// Fuzz target: bench::read_bench_file (benchmark results JSON). Contract: lmh::Error or a
// file that survives a round trip through the writer's JSON form (what `compare` and
// `history` rely on when they re-read results written earlier).
#include <cstdint>

#include "bench/record_io.h"
#include "util/error.h"
#include "fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lmh::fuzz::FuzzInputFile file("fuzz_record_io.json");
    lmh::bench::BenchFile f;
    try {
        f = lmh::bench::read_bench_file(file.write(data, size));
    } catch (const lmh::Error&) {
        return 0;
    }
    const auto again = lmh::bench::bench_file_from_json(lmh::bench::to_json(f), "round trip");  // must not throw
    if (again.records.size() != f.records.size()) __builtin_trap();
    return 0;
}
