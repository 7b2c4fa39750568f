// The lmharness binary run as a user runs it (stdin from /dev/null), with its exit code and
// both output streams: the end-to-end tests of the CLI, compare and history share it.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace lmh::test {

struct CliRun {
    int code = -1;  // the exit code; 128 + N when signal N ended it (as a shell reports it)
    std::string out, err;
};

// args: the command line after the binary, quoted by the caller. stdout and stderr are
// captured in files "out" and "err" of dir (the test's temp dir).
inline CliRun run_cli(const std::string& args, const std::filesystem::path& dir) {
    const std::string cmd = std::string(LMH_BINARY) + " " + args + " >" + (dir / "out").string() + " 2>" +
                            (dir / "err").string() + " </dev/null";
    const int st = std::system(cmd.c_str());
    std::stringstream o, e;
    o << std::ifstream(dir / "out").rdbuf();
    e << std::ifstream(dir / "err").rdbuf();
    return {WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st), o.str(), e.str()};
}

}  // namespace lmh::test
