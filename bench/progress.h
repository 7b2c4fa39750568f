// Progress of long runs (bench, verify) on stderr, one line per configuration:
//   [3/24] chat tbb-simd 2 threads: 5 reps … 12.4 s
// On a terminal it is one live line rewritten in place (\r) while a configuration runs; on a
// pipe or a file (CI logs) one plain line when each configuration ends; quiet: nothing.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "bench/run.h"

namespace lmh::bench {

class ProgressLine {
public:
    enum class Mode { live, lines, quiet };
    // Mode::live when `out` is a terminal, Mode::lines otherwise; quiet overrides both.
    static Mode detect(std::FILE* out, bool quiet);

    ProgressLine(std::FILE* out, Mode mode, int total) : out_(out), mode_(mode), total_(total) {}
    ~ProgressLine() { finish(); }
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;

    // A configuration starts; ends the previous one. `label`: "chat tbb-simd 2 threads".
    void begin(const std::string& label);
    // Within the configuration (live mode only): "rep 2/5".
    void update(const std::string& detail);
    // The configuration ends; `detail` goes before the time ("5 reps").
    void end(const std::string& detail);
    // Ends an open configuration (with `detail`) and clears a live line.
    void finish(const std::string& detail = "");

    // The text of one finished line, for tests: "[3/24] LABEL: DETAIL … 12.4 s".
    static std::string format(int index, int total, const std::string& label, const std::string& detail, double seconds);

private:
    std::FILE* out_;
    Mode mode_;
    int total_ = 0, index_ = 0;
    bool open_ = false, shown_ = false;
    std::string label_;
    std::chrono::steady_clock::time_point start_;
};

// The configurations bench::run will measure (this shard's), for the [i/N]; loads the
// workload files (small JSON) to count their cases.
int count_configurations(const RunAllOptions& options);
// The runner's per-repetition callback as progress lines: a new configuration label ends the
// previous line ("5 reps") and begins the next. `line` must outlive the callback.
Progress progress_lines(ProgressLine& line, int repetitions);

}  // namespace lmh::bench
