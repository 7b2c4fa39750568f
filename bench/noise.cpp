#include "bench/noise.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace lmh::bench {
namespace {

std::string read_first_line(const char* path) {
    std::ifstream in(path);
    std::string s;
    std::getline(in, s);
    return s;
}

bool cpu_times(unsigned long long& steal, unsigned long long& total) {
    std::ifstream in("/proc/stat");
    std::string cpu;
    unsigned long long v[8] = {};
    if (!(in >> cpu) || cpu != "cpu") return false;
    for (auto& x : v) in >> x;
    steal = v[7];
    total = 0;
    for (auto x : v) total += x;
    return true;
}

}  // namespace

std::vector<std::string> environment_warnings() {
    std::vector<std::string> w;
    const std::string gov = read_first_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
    if (!gov.empty() && gov != "performance") w.push_back("CPU governor is '" + gov + "', not 'performance': frequency may vary");
    const std::string no_turbo = read_first_line("/sys/devices/system/cpu/intel_pstate/no_turbo");
    const std::string boost = read_first_line("/sys/devices/system/cpu/cpufreq/boost");
    if (no_turbo == "0" || boost == "1") w.push_back("turbo/boost is enabled: clock speed depends on temperature and load");
    double load1 = 0;
    if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf", &load1) != 1) load1 = 0;
        std::fclose(f);
    }
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (load1 > 0.5 * cores) {
        char b[128];
        std::snprintf(b, sizeof b, "load average %.2f is above 0.5 per core (%u cores): other work competes", load1, cores);
        w.push_back(b);
    }
    if (read_first_line("/sys/devices/system/cpu/smt/active") == "1")
        w.push_back("SMT is active: a busy sibling hyper-thread slows the measured core");
#ifndef NDEBUG
    w.push_back("assertions are enabled (not a Release build): numbers are not representative");
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    w.push_back("sanitizer build: numbers are not representative");
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
    w.push_back("sanitizer build: numbers are not representative");
#endif
#endif
    return w;
}

StealMeter::StealMeter() { cpu_times(steal_, total_); }

double StealMeter::percent_since_start() const {
    unsigned long long s = 0, t = 0;
    if (!cpu_times(s, t) || t <= total_) return 0;
    return 100.0 * static_cast<double>(s - steal_) / static_cast<double>(t - total_);
}

}  // namespace lmh::bench
