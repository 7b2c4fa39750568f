// `lmharness verify`: every kernel set × thread count against the stored float64
// references. Exit 0 when every budget holds, 1 when one fails, 2 for bad usage or input.
#include <chrono>
#include <ctime>
#include <iostream>

#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/options.h"
#include "bench/progress.h"
#include "bench/provenance.h"
#include "engine/atomic_file.h"
#include "engine/error.h"
#include "report/ci_outputs.h"
#include "verify/report.h"
#include "verify/verifier.h"

namespace lmh::app {
namespace {

struct VerifyOptions {
    std::vector<std::string> models;
    std::vector<std::string> kernels;
    std::string threads = "1,2";
    std::string json_path;
    std::string references = "verify/references";
    std::string inject;
    bool details = false;
    bool no_local = false;
    bool quiet = false;
    report::CiOutputs ci;
};

// "all" -> every variant and bf16; "naive,tbb" (plain names) -> one set each; anything with '=' is
// one per-op spec.
std::vector<std::string> expand_kernel_sets(const std::vector<std::string>& given) {
    std::vector<std::string> sets;
    for (const auto& g : given.empty() ? std::vector<std::string>{"all"} : given) {
        if (g == "all") {
            for (const auto& n : kernels::kernel_set_names()) sets.push_back(n);
        } else if (g.find('=') != std::string::npos) {
            sets.push_back(g);
        } else {
            std::size_t start = 0;
            while (start <= g.size()) {
                auto end = g.find(',', start);
                if (end == std::string::npos) end = g.size();
                sets.push_back(g.substr(start, end - start));
                start = end + 1;
            }
        }
    }
    for (const auto& s : sets) {
        try {
            (void)kernels::make_kernel_set(s);
        } catch (const kernels::KernelSpecError& e) {
            throw Error(std::string("--kernels: ") + e.what());
        }
    }
    return sets;
}

int run_verify_command(const VerifyOptions& o) {
    std::vector<std::string> models = o.models;
    if (models.empty()) {
        for (const char* m : {"models/story", "models/chat"})
            if (std::filesystem::exists(std::filesystem::path(m) / "model.safetensors")) models.push_back(m);
        if (models.empty()) throw Error("no models found in models/ (run scripts/fetch-models.sh) and no -m given");
    }
    const auto sets = expand_kernel_sets(o.kernels);
    const auto threads = parse_int_list(o.threads, "--threads");
    for (int t : threads)
        if (t < 1 || t > 1024) throw Error("--threads: " + std::to_string(t) + " is not in [1, 1024]");

    std::vector<verify::RunReport> runs;
    bench::ProgressLine line(stderr, bench::ProgressLine::detect(stderr, o.quiet),
                             static_cast<int>(models.size() * sets.size() * threads.size()));
    nlohmann::json report;
    report["provenance"] = bench::provenance_json();
    for (const auto& m : models) {
        const verify::VerifyModel vm = verify::load_verify_model(m, o.references);
        std::optional<verify::Injection> inj;
        if (!o.inject.empty()) inj = verify::parse_injection(o.inject, vm.weights->config().n_layers);
        report["models"].push_back({{"model", vm.references.model},
                                    {"dir", m},
                                    {"model_sha256", vm.model_sha256},
                                    {"reference_sha256", vm.references.reference_sha256},
                                    {"reference_script_version", vm.references.script_version},
                                    {"synthetic_weights", vm.weights->synthetic()}});
        for (const auto& s : sets) {
            std::vector<float> previous;
            for (int t : threads) {
                verify::RunOptions ro;
                ro.kernel_spec = s;
                ro.threads = t;
                ro.injection = inj;
                ro.local = !o.no_local;
                line.begin(vm.references.model + " " + s + " " + std::to_string(t) + (t == 1 ? " thread" : " threads"));
                runs.push_back(verify::run_verify(vm, ro, previous));
                line.end(runs.back().ok ? "ok" : "FAIL");
                report["runs"].push_back(verify::to_json(runs.back()));
            }
        }
    }
    line.finish();
    std::cout << verify::summary_table(runs);
    bool ok = true;
    for (const auto& r : runs) {
        if (o.details) {
            std::cout << "\n" << r.model << " " << r.kernel_spec << " " << r.threads << " thread(s): " << r.kernels << "\n"
                      << verify::tensor_table(r) << verify::kld_block(r);
        }
        if (!r.ok) {
            if (ok) std::cout << "\n";
            ok = false;
            std::cout << "FAIL " << r.model << " kernels " << r.kernel_spec << " threads " << r.threads
                      << (r.injection.empty() ? "" : " (injected " + r.injection + ")") << ":\n"
                      << verify::failure_details(r);
        }
    }
    std::cout << (ok ? "verify: all within budget\n" : "verify: FAILED\n");
    report::emit_verify(o.ci, runs);
    if (!o.json_path.empty()) {
        report["ok"] = ok;
        write_file_atomic(o.json_path, report.dump(1) + "\n");
    }
    return ok ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto o = std::make_shared<VerifyOptions>();
    CLI::App* cmd = app.add_subcommand(
        "verify", "Check kernel variants against the stored float64 references (exit 0 ok, 1 failed, 2 bad input)");
    cmd->add_option("-m,--model", o->models, "Model directory; repeat for several (default: models/story and models/chat)");
    cmd->add_option("--kernels", o->kernels,
                    "Kernel sets: 'all' (default: every variant name and bf16), names like naive,tbb,bf16, or one per-op spec "
                    "such as naive,weights=bf16; repeat for several");
    cmd->add_option("--threads", o->threads, "Thread counts to run, e.g. 1,2")->capture_default_str();
    cmd->add_option("--json", o->json_path, "Write the full report (every tensor, provenance) to this file");
    cmd->add_option("--references", o->references, "Root folder of the stored references")->capture_default_str();
    cmd->add_option("--inject", o->inject,
                    "Fault injection OP@LAYER[:REL]: scale one op's output in one layer by 1+REL (default 1e-3)");
    cmd->add_flag("--details", o->details, "Print the per-tensor table and KLD block of every run");
    cmd->add_option("--junit", o->ci.junit_path, "Also write JUnit XML: one testcase per model x kernel set x threads x check");
    cmd->add_option("--markdown", o->ci.markdown_path, "Also write a markdown summary (for $GITHUB_STEP_SUMMARY)");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress lines on stderr");
    cmd->add_flag("--no-local", o->no_local, "Skip the per-op local error pass");
    cmd->callback([o] {
        const int rc = run_verify_command(*o);
        if (rc != 0) throw VerifyFailed(rc);
    });
}

}  // namespace lmh::app
