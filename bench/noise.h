// Noise and provenance warnings: conditions that make a benchmark number less trustworthy,
// checked before a run and stored in every record (as Google Benchmark and nanobench warn).
#pragma once

#include <string>
#include <vector>

namespace lmh::bench {

// CPU governor not "performance", turbo/boost on, load average above 0.5 per core, SMT
// siblings online, a debug or sanitizer build.
std::vector<std::string> environment_warnings();

// Steal time: the share of CPU time the hypervisor took from this VM, from /proc/stat.
struct StealMeter {
    StealMeter();
    double percent_since_start() const;  // 0 where /proc/stat is unavailable

private:
    unsigned long long steal_ = 0, total_ = 0;
};

}  // namespace lmh::bench
