#include "app/history_plot.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <vector>

#include "util/atomic_file.h"
#include "util/error.h"

extern char** environ;

namespace lmh::app {

// The script reads the history from a file beside the PNG; Debian's matplotlib lives with
// /usr/bin/python3.
void plot_history(const nlohmann::json& history, const std::string& png) {
    const std::string tmp = png + ".history.json.tmp";
    write_json_atomic(tmp, history);
    const std::string script = std::string(LMH_SOURCE_DIR) + "/scripts/plot-results.py";
    const std::string python = ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    std::vector<std::string> args{python, script, "--history", tmp, "--out", png};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = ::posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ);
    int status = 0;
    if (rc == 0) ::waitpid(pid, &status, 0);
    std::remove(tmp.c_str());
    if (rc != 0) throw Error("--plot: cannot run " + python + " " + script);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) throw Error("--plot: " + script + " failed (see its message above)");
    std::cerr << "history: plot written to " << png << "\n";
}

}  // namespace lmh::app
