#include "bench/progress.h"

#include <unistd.h>

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

void ProgressLine::finish() {
    if (open_) end("");
    // A live line is cleared so the results printed next start on a clean line.
    if (mode_ == Mode::live && shown_) {
        std::fprintf(out_, "\r\033[K");
        std::fflush(out_);
    }
    shown_ = false;
}

}  // namespace lmh::bench
