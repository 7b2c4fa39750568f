#include "util/provenance.h"


#include <unistd.h>

#include <array>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <memory>
#include <thread>

namespace lmh {
namespace {

// Output of a short command, trimmed; empty when it fails (e.g. not a git checkout).
std::string command_output(const std::string& cmd) {
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
    if (!pipe) return {};
    std::string out;
    std::array<char, 256> buf{};
    while (std::fgets(buf.data(), buf.size(), pipe.get())) out += buf.data();
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
}

std::string cpuinfo_field(const std::string& key) {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0) {
            const auto colon = line.find(':');
            return colon == std::string::npos ? "" : line.substr(colon + 2);
        }
    return {};
}

// MemTotal from /proc/meminfo in bytes; 0 when unreadable.
long long memory_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    long long kib = 0;
    while (in >> key >> kib) {
        if (key == "MemTotal:") return kib * 1024;
        in.ignore(256, '\n');
    }
    return 0;
}

}  // namespace

std::string short_commit(const std::string& commit, bool dirty) {
    return (commit.size() > 10 ? commit.substr(0, 10) : commit) + (dirty ? "+dirty" : "");
}

std::string utc_now_iso8601() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

nlohmann::json provenance_json() {
    nlohmann::json j;
#ifdef LMH_SOURCE_DIR
    const std::string git = std::string("git -C '") + LMH_SOURCE_DIR + "' ";
    j["git_commit"] = command_output(git + "rev-parse HEAD 2>/dev/null");
    j["git_dirty"] = !command_output(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
#endif
#ifdef LMH_BUILD_TYPE
    j["build_type"] = LMH_BUILD_TYPE;
#endif
#ifdef LMH_CXX_FLAGS
    j["compiler_flags"] = LMH_CXX_FLAGS;
#endif
    j["compiler"] = std::string("g++/clang ") + __VERSION__;
#ifdef NDEBUG
    j["assertions"] = false;
#else
    j["assertions"] = true;
#endif
    j["cpu_model"] = cpuinfo_field("model name");
    j["cpu_flags"] = cpuinfo_field("flags");
    j["cores"] = std::thread::hardware_concurrency();
    j["memory_bytes"] = memory_bytes();
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    j["host"] = host;
    j["date"] = utc_now_iso8601();
    return j;
}

}  // namespace lmh
