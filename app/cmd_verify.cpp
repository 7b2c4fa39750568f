// `lmharness verify`: every kernel set × thread count against the stored float64
// references (verify::run_all). Exit 0 when every budget holds, 1 when one fails, 2 for bad
// usage or input.
#include <iostream>
#include <memory>

#include "app/commands.h"
#include "app/options.h"
#include "bench/progress.h"
#include "report/ci_outputs.h"
#include "util/atomic_file.h"
#include "verify/run_all.h"

namespace lmh::app {
namespace {

struct VerifyOptions {
    verify::AllOptions run;
    std::string threads = "1,2";
    std::string json_path;
    bool details = false;
    bool no_local = false;
    bool quiet = false;
    report::CiOutputs ci;
};

int run_verify_command(VerifyOptions o) {
    o.run.threads = parse_int_list(o.threads, "--threads");
    o.run.local = !o.no_local;
    std::unique_ptr<bench::ProgressLine> line;
    o.run.on_plan = [&](std::size_t n) {
        line = std::make_unique<bench::ProgressLine>(stderr, bench::ProgressLine::detect(stderr, o.quiet), static_cast<int>(n));
    };
    o.run.on_run = [&](const std::string& model, const std::string& kernels, int t) {
        line->begin(model + " " + kernels + " " + std::to_string(t) + (t == 1 ? " thread" : " threads"));
    };
    o.run.on_done = [&](const verify::RunReport& r) { line->end(r.ok ? "ok" : "FAIL"); };
    const verify::Report report = verify::run_all(o.run);
    line.reset();
    report::emit_verify(o.ci, report.runs);
    std::cout << verify::report_text(report, o.details);
    if (!o.json_path.empty()) write_json_atomic(o.json_path, report.json);
    return report.ok ? 0 : 1;
}

}  // namespace

void add_verify_command(CLI::App& app) {
    auto [cmd, o] = add_command<VerifyOptions>(
        app, "verify", "Check kernel variants against the stored float64 references (exit 0 ok, 1 failed, 2 bad input)",
        run_verify_command);
    cmd->add_option("-m,--model", o->run.models,
                    "Model directory, .gguf file or folder holding one; repeat for several (default: every one of models/story, chat, llama3, qwen3 that exists)");
    cmd->add_option("--kernels", o->run.kernel_sets,
                    "Kernel sets: 'all' (default: every variant name and bf16), names like naive,tbb,bf16, or one per-op spec "
                    "such as naive,weights=bf16; repeat for several");
    cmd->add_option("--threads", o->threads, "Thread counts to run, e.g. 1,2")->capture_default_str();
    cmd->add_option("--json", o->json_path, "Write the full report (every tensor, provenance) to this file");
    cmd->add_option("--references", o->run.references, "Root folder of the stored references")->capture_default_str();
    cmd->add_option("--inject", o->run.inject,
                    "Fault injection OP@LAYER[:REL]: scale one op's output in one layer by 1+REL (default 1e-3)");
    cmd->add_option("--batch", o->run.batch,
                    "Also decode every stored prompt inside batches of N sequences (other prompts at other positions) and "
                    "compare with the solo run: logits NMSE <= 1e-10 (a set rounding its activations that is not batch-invariant on this CPU: its prefill-vs-decode budget), same greedy tokens; reports batch_invariant (bitwise) per set");
    cmd->add_flag("--details", o->details, "Print the per-tensor table and KLD block of every run");
    cmd->add_option("--junit", o->ci.junit_path, "Also write JUnit XML: one testcase per model x kernel set x threads x check");
    cmd->add_option("--markdown", o->ci.markdown_path, "Also write a markdown summary (for $GITHUB_STEP_SUMMARY)");
    cmd->add_flag("-q,--quiet", o->quiet, "No progress lines on stderr");
    cmd->add_flag("--no-local", o->no_local, "Skip the per-op local error pass");
    cmd->add_flag("!--every-run", o->run.skip_equivalent,
                  "Also run what repeats another run exactly (a set that falls back to the same kernels on this CPU, "
                  "a set without parallel kernels at more thread counts); skipped and listed by default");
}

}  // namespace lmh::app
