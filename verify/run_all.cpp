#include "verify/run_all.h"

#include <algorithm>
#include <filesystem>

#include "kernels/registry.h"
#include "kernels/run_plan.h"
#include "util/error.h"
#include "util/lists.h"
#include "util/provenance.h"
#include "verify/report.h"

namespace lmh::verify {

std::vector<std::string> expand_kernel_sets(const std::vector<std::string>& given) {
    std::vector<std::string> sets;
    for (const auto& g : given.empty() ? std::vector<std::string>{"all"} : given) {
        const auto items = g == "all" ? kernels::kernel_set_names()
                           : g.find('=') != std::string::npos ? std::vector<std::string>{g}
                                                              : split_list(g);
        sets.insert(sets.end(), items.begin(), items.end());
    }
    for (const auto& s : sets) (void)kernels::make_kernel_set_for(s, "--kernels");
    return sets;
}

Report run_all(const AllOptions& o) {
    std::vector<std::string> models = o.models;
    if (models.empty()) {
        for (const char* m : {"models/story", "models/chat", "models/llama3", "models/qwen3"})
            if (std::filesystem::exists(std::filesystem::path(m) / "model.safetensors")) models.push_back(m);
        if (models.empty()) throw Error("no models found in models/ (run scripts/fetch-models.sh) and no -m given");
    }
    const auto sets = expand_kernel_sets(o.kernel_sets);
    if (o.batch < 0 || o.batch == 1 || o.batch > 256) throw Error("--batch: " + std::to_string(o.batch) + " is not in [2, 256]");
    check_thread_counts(o.threads);

    // The runs per model, without the ones that would repeat an earlier run exactly.
    const kernels::RunPlan plan = kernels::plan_runs(sets, o.threads, o.skip_equivalent);

    Report rep;
    if (o.on_plan) o.on_plan(models.size() * plan.runs.size());
    rep.json["provenance"] = provenance_json();
    for (const auto& m : models) {
        const VerifyModel vm = load_verify_model(m, o.references);
        std::optional<Injection> inj;
        if (!o.inject.empty()) inj = parse_injection(o.inject, vm.weights->config().n_layers);
        rep.json["models"].push_back({{"model", vm.references.model},
                                      {"dir", m},
                                      {"model_sha256", vm.model_sha256},
                                      {"reference_sha256", vm.references.reference_sha256},
                                      {"reference_script_version", vm.references.script_version},
                                      {"synthetic_weights", vm.weights->synthetic()}});
        for (const auto& sk : plan.skipped) {
            const std::string what = sk.set + " threads " + std::to_string(sk.threads);
            rep.skipped.push_back(vm.references.model + " " + what + ": " + sk.reason);
            rep.json["skipped"].push_back({{"model", vm.references.model}, {"run", what}, {"reason", sk.reason}});
        }
        std::vector<float> previous;  // the set's first thread count's logits, for the bitwise check
        for (std::size_t i = 0; i < plan.runs.size(); ++i) {
            const auto& [s, t] = plan.runs[i];
            if (i == 0 || plan.runs[i - 1].set != s) previous.clear();
            {
                RunOptions ro;
                ro.kernel_spec = s;
                ro.threads = t;
                ro.injection = inj;
                ro.local = o.local;
                ro.batch = o.batch;
                if (o.on_run) o.on_run(vm.references.model, s, t);
                rep.runs.push_back(run_verify(vm, ro, previous));
                rep.json["runs"].push_back(to_json(rep.runs.back()));
                rep.ok = rep.ok && rep.runs.back().ok;
                if (o.on_done) o.on_done(rep.runs.back());
            }
        }
    }
    rep.json["ok"] = rep.ok;
    return rep;
}

std::string summarize_tensor_names(const std::vector<std::string>& names) {
    // "model.layers.3.mlp.up_proj.weight" -> "model.layers.*.mlp.up_proj.weight", counted.
    std::vector<std::pair<std::string, int>> groups;
    for (const auto& n : names) {
        std::string g = n;
        const auto at = g.find("layers.");
        if (at != std::string::npos) {
            const auto num = at + 7, end = g.find('.', num);
            if (end != std::string::npos) {  // appended piece by piece: GCC 12 warns falsely (-Wrestrict) on replace
                std::string folded;
                folded.append(n, 0, num).append(1, '*').append(n, end, std::string::npos);
                g = std::move(folded);
            }
        }
        auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& p) { return p.first == g; });
        if (it == groups.end()) groups.emplace_back(g, 1);
        else ++it->second;
    }
    std::string s = std::to_string(names.size()) + " matrices:";
    for (const auto& [g, count] : groups) s.append(" ").append(g).append(count > 1 ? " (" + std::to_string(count) + ")" : "");
    return s;
}

std::string report_text(const Report& report, bool details) {
    std::string out = summary_table(report.runs);
    if (!report.skipped.empty()) {
        out += "\nnot run, equivalent to a run above (--every-run runs them):\n";
        for (const auto& s : report.skipped) out.append("  ").append(s).append("\n");
    }
    bool batch_header = true;
    for (const auto& r : report.runs) {
        if (!r.batch.checked) continue;
        if (batch_header) out += "\nbatched decode against solo:\n";
        batch_header = false;
        out.append("  ").append(r.model).append(" ").append(r.kernel_spec.empty() ? "default" : r.kernel_spec).append(" ")
            .append(std::to_string(r.threads)).append(" thr, batch ").append(std::to_string(r.batch.size)).append(": ")
            .append(r.batch.ok ? "ok, " : "FAIL, ").append(batch_summary(r.batch)).append("\n");
    }
    // Quantized sets: which matrices stayed bf16, once per model and set.
    std::vector<std::string> listed;
    for (const auto& r : report.runs) {
        const std::string key = r.model + " " + r.kernel_spec;
        if (r.weight_fallbacks.empty() || std::find(listed.begin(), listed.end(), key) != listed.end()) continue;
        if (listed.empty()) out += "\nheld in bf16, rows not a multiple of 32 (as llama.cpp's quantizer falls back):\n";
        listed.push_back(key);
        out.append("  ").append(key).append(": ").append(summarize_tensor_names(r.weight_fallbacks)).append("\n");
    }
    bool first_failure = true;
    for (const auto& r : report.runs) {
        if (details)  // appended piece by piece: GCC 12 reports a false -Wrestrict on "literal" + std::string
            out.append("\n").append(r.model).append(" ").append(r.kernel_spec).append(" ").append(std::to_string(r.threads))
                .append(" thread(s): ").append(r.kernels).append("\n").append(tensor_table(r)).append(kld_block(r));
        if (!r.ok) {
            if (first_failure) out += "\n";
            first_failure = false;
            out.append("FAIL ").append(r.model).append(" kernels ").append(r.kernel_spec).append(" threads ")
                .append(std::to_string(r.threads));
            if (!r.injection.empty()) out.append(" (injected ").append(r.injection).append(")");
            out.append(":\n").append(failure_details(r));
        }
    }
    out += report.ok ? "verify: all within budget\n" : "verify: FAILED\n";
    return out;
}

}  // namespace lmh::verify
