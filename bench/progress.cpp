#include "bench/progress.h"

#include <unistd.h>

#include <memory>

#include "kernels/run_plan.h"

namespace lmh::bench {

ProgressLine::Mode ProgressLine::detect(std::FILE* out, bool quiet) {
    if (quiet) return Mode::quiet;
    return ::isatty(::fileno(out)) ? Mode::live : Mode::lines;
}

std::string ProgressLine::format(int index, int total, const std::string& label, const std::string& detail, double seconds) {
    char time[32];
    std::snprintf(time, sizeof time, "%.1f s", seconds);
    std::string s = "[";
    s += std::to_string(index);
    s += '/';
    s += std::to_string(total);
    s += "] ";
    s += label;
    if (!detail.empty()) {
        s += ": ";
        s += detail;
    }
    s += " \u2026 ";
    s += time;
    return s;
}

void ProgressLine::begin(const std::string& label) {
    if (open_) end("");
    ++index_;
    open_ = true;
    label_ = label;
    start_ = std::chrono::steady_clock::now();
    update("");
}

void ProgressLine::update(const std::string& detail) {
    if (mode_ != Mode::live || !open_) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    std::fprintf(out_, "\r\033[K%s", format(index_, total_, label_, detail, s).c_str());
    std::fflush(out_);
    shown_ = true;
}

void ProgressLine::end(const std::string& detail) {
    if (!open_) return;
    open_ = false;
    if (mode_ == Mode::quiet) return;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    // Live: the finished configuration shows until the next one overwrites it.
    if (mode_ == Mode::live) {
        std::fprintf(out_, "\r\033[K%s", format(index_, total_, label_, detail, s).c_str());
        shown_ = true;
    } else
        std::fprintf(out_, "%s\n", format(index_, total_, label_, detail, s).c_str());
    std::fflush(out_);
}

void ProgressLine::finish(const std::string& detail) {
    if (open_) end(detail);
    // A live line is cleared so the results printed next start on a clean line.
    if (mode_ == Mode::live && shown_) {
        std::fprintf(out_, "\r\033[K");
        std::fflush(out_);
    }
    shown_ = false;
}

int count_configurations(const RunAllOptions& o) {
    int total = 0;
    for (const auto& name : o.workloads) {
        const int n = static_cast<int>(
            workload_cases(Workload::load(name, o.workloads_dir)).size() *
            kernels::plan_runs(o.bench.kernel_sets, o.bench.threads, o.bench.skip_equivalent).runs.size());
        // As run_workload shards: configuration i of a workload runs when i % count == index.
        for (int i = 0; i < n; ++i) total += i % o.bench.shard_count == o.bench.shard_index;
    }
    return total;
}

Progress progress_lines(ProgressLine& line, int repetitions) {
    auto current = std::make_shared<std::string>();
    const std::string reps = std::to_string(repetitions) + " reps";
    return [&line, current, reps](const std::string& config, int rep, int planned, double) {
        if (config != *current) {
            line.end(reps);
            line.begin(config);
            *current = config;
        }
        line.update("run " + std::to_string(rep + 1) + "/" + std::to_string(planned));
    };
}

}  // namespace lmh::bench
