#include "verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <map>
#include <numeric>
#include <set>

#include <tbb/global_control.h>

#include "util/error.h"
#include "engine/model_files.h"
#include "engine/rope_table.h"
#include "engine/sampler.h"
#include "engine/session.h"
#include "engine/tensor_names.h"
#include "util/sha256.h"
#include "verify/batch_check.h"
#include "verify/local_error.h"

namespace lmh::verify {
namespace {

std::string tensor_key(std::string_view name, int layer) {
    return layer < 0 ? std::string(name) : "layer" + std::to_string(layer) + "." + std::string(name);
}

// Copies the stored rows of the wanted tensors out of the live forward pass, and applies
// the fault injection, if any, to the live buffer first. Logits are copied as full rows even
// when the reference keeps only its top k (the KL statistics need the whole row).
class Capture : public ForwardObserver {
public:
    Capture(const ReferencePrompt& p, const std::optional<Injection>& inj, int offset)
        : prompt_(p), inj_(inj), offset_(offset) {}
    void on_tensor(const TensorTap& t) override {
        if (inj_ && t.layer == inj_->layer && t.name == inj_->op) {
            const float s = static_cast<float>(1.0 + inj_->rel);
            for (long i = 0; i < static_cast<long>(t.rows) * t.cols; ++i) t.data[i] *= s;
        }
        const std::string key = tensor_key(t.name, t.layer);
        auto ref = prompt_.tensors.find(key);
        if (ref == prompt_.tensors.end() || (ref->second.cols != t.cols && key != tensors::kLogits)) return;
        auto& dst = got_[key];
        // Full rows for the positions the reference stores this tensor at ([its first, last)),
        // logits full width even when the reference keeps only its top k.
        const int first = ref->second.first;
        if (dst.empty())
            dst.assign(static_cast<std::size_t>(prompt_.last - first) * t.cols, std::numeric_limits<float>::quiet_NaN());
        for (int r = 0; r < t.rows; ++r) {
            const int pos = offset_ + t.pos0 + r;
            if (pos < first || pos >= prompt_.last) continue;
            std::memcpy(&dst[static_cast<std::size_t>(pos - first) * t.cols],
                        t.data + static_cast<std::size_t>(r) * t.cols, sizeof(float) * t.cols);
        }
    }
    std::map<std::string, std::vector<float>>& got() { return got_; }

private:
    const ReferencePrompt& prompt_;
    const std::optional<Injection>& inj_;
    int offset_;
    std::map<std::string, std::vector<float>> got_;
};

// log-softmax in double.
void log_softmax(const float* x, int n, std::vector<double>& out) {
    out.resize(static_cast<std::size_t>(n));
    double mx = x[0];
    for (int i = 1; i < n; ++i) mx = std::max(mx, static_cast<double>(x[i]));
    double s = 0;
    for (int i = 0; i < n; ++i) s += std::exp(x[i] - mx);
    const double lse = mx + std::log(s);
    for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = x[i] - lse;
}

double percentile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const double idx = q * static_cast<double>(v.size() - 1);
    const auto lo = static_cast<std::size_t>(std::floor(idx));
    const auto hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (idx - static_cast<double>(lo));
}

// One position of the next-token comparison: what kld_stats aggregates.
struct KldRow {
    double kl = 0;
    int top_reference = 0, top_variant = 0;
    double top2_gap = 0;      // reference's top-1 minus top-2 logit
    double dp_top = 0;        // Δp of the reference's top token
    double nll_reference = 0, nll_variant = 0;  // of the next prompt token
};

// Full reference rows: the exact KL divergence.
KldRow kld_row_full(const float* pr, const float* pv, int vocab, int next, std::vector<double>& lr,
                    std::vector<double>& lv) {
    KldRow k;
    log_softmax(pr, vocab, lr);
    log_softmax(pv, vocab, lv);
    for (int i = 0; i < vocab; ++i) k.kl += std::exp(lr[i]) * (lr[i] - lv[i]);
    k.top_reference = argmax(std::span<const float>(pr, static_cast<std::size_t>(vocab)));
    k.top_variant = argmax(std::span<const float>(pv, static_cast<std::size_t>(vocab)));
    if (k.top_reference != k.top_variant) {
        std::vector<float> sorted(pr, pr + vocab);
        std::nth_element(sorted.begin(), sorted.begin() + 1, sorted.end(), std::greater<float>());
        k.top2_gap = sorted[0] - sorted[1];
    }
    k.dp_top = std::exp(lv[k.top_reference]) - std::exp(lr[k.top_reference]);
    if (next >= 0) {
        k.nll_reference = -lr[next];
        k.nll_variant = -lv[next];
    }
    return k;
}

// Top-K reference rows: the KL divergence of the two distributions coarsened to K + 1
// outcomes (the reference's top-K tokens, and "any other token"). By the data-processing
// inequality this is a lower bound of the full KL divergence; it misses only how
// differently the two spread the tail mass among the tail tokens. The reference's coarse
// distribution is renormalised (its f32-stored log-probabilities sum to 1 only within
// ~1e-7, and an offset that size would show directly in a mean KLD of 1e-6); the variant's
// tail mass is summed over the tail tokens, never taken as 1 minus the top K.
KldRow kld_row_topk(const ReferencePrompt& p, int r, const float* pv, int vocab, int next, std::vector<double>& lv,
                    std::vector<char>& in_topk) {
    KldRow k;
    const int K = p.logits_topk;
    const float* top = &p.tensors.at(tensors::kLogits).data[static_cast<std::size_t>(r) * K];
    const int* ids = &p.topk_ids[static_cast<std::size_t>(r) * K];
    const auto& st = p.logits_stats[static_cast<std::size_t>(r)];
    log_softmax(pv, vocab, lv);
    std::vector<double> pr(static_cast<std::size_t>(K) + 1);
    double sum = 0;
    for (int j = 0; j < K; ++j) sum += pr[static_cast<std::size_t>(j)] = std::exp(top[j] - st.lse);
    sum += pr[static_cast<std::size_t>(K)] = std::exp(st.log_tail);
    for (double& x : pr) x /= sum;
    double q_tail = 0;
    for (int j = 0; j < K; ++j) in_topk[static_cast<std::size_t>(ids[j])] = 1;
    for (int i = 0; i < vocab; ++i)
        if (!in_topk[static_cast<std::size_t>(i)]) q_tail += std::exp(lv[static_cast<std::size_t>(i)]);
    for (int j = 0; j < K; ++j) in_topk[static_cast<std::size_t>(ids[j])] = 0;
    for (int j = 0; j < K; ++j) {
        const double pj = pr[static_cast<std::size_t>(j)];
        if (pj > 0) k.kl += pj * (std::log(pj) - lv[static_cast<std::size_t>(ids[j])]);
    }
    const double p_tail = pr[static_cast<std::size_t>(K)];
    if (p_tail > 0) k.kl += p_tail * (std::log(p_tail) - std::log(q_tail));
    k.top_reference = ids[0];
    k.top_variant = argmax(std::span<const float>(pv, static_cast<std::size_t>(vocab)));
    k.top2_gap = top[0] - top[1];
    k.dp_top = std::exp(lv[static_cast<std::size_t>(ids[0])]) - pr[0] * sum;
    if (next >= 0) {
        k.nll_reference = -st.next_logprob;
        k.nll_variant = -lv[static_cast<std::size_t>(next)];
    }
    return k;
}

KldStats kld_stats(const ReferencePrompt& p, const std::vector<float>& logits, int vocab, const Budgets& b) {
    KldStats k;
    const int rows = p.last - p.first;
    std::vector<double> klds, lr, lv;
    std::vector<char> in_topk(p.logits_topk ? static_cast<std::size_t>(vocab) : 0, 0);
    double dp2 = 0, nll_r = 0, nll_v = 0;
    int nll_n = 0, same = 0;
    for (int r = 0; r < rows; ++r) {
        const float* pv = &logits[static_cast<std::size_t>(r) * vocab];
        const int pos = p.first + r;
        const int next = pos + 1 < static_cast<int>(p.ids.size()) ? p.ids[static_cast<std::size_t>(pos + 1)] : -1;
        const KldRow row = p.logits_topk
                               ? kld_row_topk(p, r, pv, vocab, next, lv, in_topk)
                               : kld_row_full(&p.tensors.at(tensors::kLogits).data[static_cast<std::size_t>(r) * vocab], pv, vocab,
                                              next, lr, lv);
        klds.push_back(std::max(row.kl, 0.0));
        if (row.top_reference == row.top_variant) ++same;
        else if (row.top2_gap < b.near_tie_margin) ++k.top_flips_excused;  // a reference near-tie
        else ++k.top_flips;
        dp2 += row.dp_top * row.dp_top;
        if (next >= 0) {
            nll_r += row.nll_reference;
            nll_v += row.nll_variant;
            ++nll_n;
        }
    }
    k.topk = p.logits_topk;
    k.checked = true;
    k.positions = rows;
    k.mean = std::accumulate(klds.begin(), klds.end(), 0.0) / rows;
    double var = 0;
    for (double x : klds) var += (x - k.mean) * (x - k.mean);
    k.stddev = std::sqrt(var / rows);
    k.median = percentile(klds, 0.5);
    k.p99 = percentile(klds, 0.99);
    k.p999 = percentile(klds, 0.999);
    k.max = *std::max_element(klds.begin(), klds.end());
    k.same_top_percent = 100.0 * same / rows;
    k.rms_dp_top = std::sqrt(dp2 / rows);
    k.ppl_reference = nll_n ? std::exp(nll_r / nll_n) : 0;
    k.ppl_variant = nll_n ? std::exp(nll_v / nll_n) : 0;
    k.ok = k.mean <= b.mean_kld && 100.0 * k.top_flips <= b.max_top_flip_percent * rows;
    return k;
}

}  // namespace

const std::vector<std::string>& layer_tensor_names() {
    static const std::vector<std::string> names(tensors::kLayerTensors.begin(), tensors::kLayerTensors.end());
    return names;
}

Injection parse_injection(const std::string& text, int n_layers) {
    Injection inj;
    const auto at = text.find('@');
    auto valid = [] {
        std::string s;
        for (const auto& n : layer_tensor_names()) s += (s.empty() ? "" : ", ") + n;
        return s;
    };
    if (at == std::string::npos) throw Error("--inject: expected OP@LAYER[:REL], e.g. ffn_down@1:1e-3; ops: " + valid());
    inj.op = text.substr(0, at);
    if (std::find(layer_tensor_names().begin(), layer_tensor_names().end(), inj.op) == layer_tensor_names().end())
        throw Error("--inject: unknown op '" + inj.op + "' (valid: " + valid() + ")");
    std::string rest = text.substr(at + 1);
    const auto colon = rest.find(':');
    try {
        std::size_t used = 0;
        const std::string layer_text = rest.substr(0, colon);
        inj.layer = std::stoi(layer_text, &used);
        if (used != layer_text.size()) throw std::invalid_argument("layer");
        if (colon != std::string::npos) {
            const std::string rel_text = rest.substr(colon + 1);
            inj.rel = std::stod(rel_text, &used);
            if (used != rel_text.size()) throw std::invalid_argument("rel");
        }
    } catch (const std::exception&) {
        throw Error("--inject: cannot parse '" + text + "' (expected OP@LAYER[:REL], e.g. down@1:1e-3)");
    }
    if (inj.layer < 0 || inj.layer >= n_layers)
        throw Error("--inject: layer " + std::to_string(inj.layer) + " is outside [0, " + std::to_string(n_layers) + ")");
    if (!std::isfinite(inj.rel) || inj.rel == 0) throw Error("--inject: the relative amount must be finite and non-zero");
    return inj;
}

VerifyModel load_verify_model(const std::filesystem::path& model_dir, const std::filesystem::path& references_root) {
    VerifyModel m;
    m.model_dir = model_dir;
    m.weights = Weights::load(model_dir);
    const ModelFiles files = locate_model(model_dir);
    // A GGUF is checked against the references of the checkpoint it was converted from,
    // which it names itself (general.name, the source folder's name for llama.cpp's converters).
    const std::string name = files.gguf ? m.weights->declared_name()
                             : std::filesystem::path(model_dir).lexically_normal().filename().string().empty()
                                 ? std::filesystem::path(model_dir).lexically_normal().parent_path().filename().string()
                                 : std::filesystem::path(model_dir).lexically_normal().filename().string();
    if (name.empty()) throw Error(files.weights.string() + ": the GGUF has no general.name, so no references can be chosen for it");
    m.references = ReferenceSet::load(references_root / name);
    for (const ReferencePrompt& p : m.references.prompts)
        for (int id : p.topk_ids)
            if (id >= m.weights->config().vocab)
                throw Error("references in " + (references_root / name).string() + ": prompt '" + p.name + "' names token " +
                            std::to_string(id) + ", outside the model's vocabulary");
    m.model_sha256 = sha256_file(files.weights);
    // A GGUF is another file than the one the references were made from (converted, maybe
    // quantized): its identity cannot be checked by hash, only by the budgets themselves.
    if (!files.gguf && m.model_sha256 != m.references.model_sha256)
        throw Error("references in " + (references_root / name).string() + " were made from a model with sha256 " +
                    m.references.model_sha256.substr(0, 16) + "..., but " + files.weights.string() +
                    " has " + m.model_sha256.substr(0, 16) + "...: regenerate them with scripts/reference.py");
    return m;
}

RunReport run_verify(const VerifyModel& model, const RunOptions& o, std::vector<float>& previous_logits) {
    const auto t0 = std::chrono::steady_clock::now();
    const tbb::global_control limit(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(o.threads));
    const ModelConfig& cfg = model.weights->config();
    kernels::KernelSet ks = kernels::make_kernel_set(o.kernel_spec);
    RunReport rep;
    rep.budgets = o.budgets ? *o.budgets : budgets_for(ks.weights, ks.acts);
    const Budgets& b = rep.budgets;
    rep.model = model.references.model;
    rep.kernel_spec = o.kernel_spec;
    rep.threads = o.threads;
    if (o.injection) rep.injection = o.injection->op + "@" + std::to_string(o.injection->layer);
    rep.kernels = ks.describe();
    Session session(model.weights, ks);
    rep.weight_fallbacks = session.projections().fallbacks();
    std::vector<float> all_logits;

    for (const ReferencePrompt& p : model.references.prompts) {
        // Accumulated: one prefill of the whole prompt.
        session.reset();
        Capture cap(p, o.injection, 0);
        session.set_observer(&cap);
        session.forward(p.ids, true);
        session.set_observer(nullptr);
        auto& got = cap.got();
        // Full rows of the stored positions; got["logits"] becomes what the reference holds.
        const std::vector<float> logits = std::move(got[tensors::kLogits]);
        got[tensors::kLogits] = p.stored_logits(logits, cfg.vocab);
        all_logits.insert(all_logits.end(), logits.begin(), logits.end());
        for (const std::string& name : p.tensor_order) {
            const ReferenceTensor& ref = p.tensors.at(name);
            TensorCheck tc;
            tc.prompt = p.name;
            tc.tensor = name;
            tc.cols = ref.cols;
            tc.first_position = ref.first;
            const auto it = got.find(name);
            if (it == got.end()) {
                tc.accumulated.nonfinite = ref.data.size();
                tc.accumulated.nmse = std::numeric_limits<double>::infinity();
            } else {
                tc.accumulated = compare(it->second, ref.data);
            }
            tc.accumulated_ok = tc.accumulated.finite_ok() && tc.accumulated.nmse <= b.accumulated_nmse;
            rep.tensors.push_back(tc);
        }
        // Local: each op alone on the reference's own inputs, wherever they are stored.
        if (o.local) local_errors(*model.weights, session.projections(), ks, p, o.injection, b, rep.tensors);

        // Decode: the last k tokens one at a time through the KV cache must reproduce the
        // prefill's logits for those positions.
        if (o.decode) {
            const int T = static_cast<int>(p.ids.size());
            const int k = std::min(T, 8);
            const auto& pre = logits;
            // The first T-k cache rows are the ones the full prefill just wrote (a causal
            // model's row never depends on later rows), so rewinding stands in for a second
            // prefill of T-k tokens and halves the cost of this check.
            session.rewind(T - k);
            Capture dcap(p, o.injection, 0);
            // Without an injection no observer is attached, so the decode runs the engine's
            // fused decode step (engine/decode_step.cpp), the one generation uses; an
            // injection needs the taps of the op-by-op pass.
            session.set_observer(o.injection ? &dcap : nullptr);
            // Rows of the positions the reference stores logits at, as Capture keeps them.
            std::vector<float> plain;
            const auto stored = p.tensors.find(tensors::kLogits);
            const int first = stored != p.tensors.end() ? stored->second.first : p.last;
            if (!o.injection && first < p.last)
                plain.assign(static_cast<std::size_t>(p.last - first) * static_cast<std::size_t>(cfg.vocab),
                             std::numeric_limits<float>::quiet_NaN());
            for (int i = T - k; i < T; ++i) {
                const auto l = session.forward(std::span<const int>(&p.ids[static_cast<std::size_t>(i)], 1));
                if (!plain.empty() && i >= first && i < p.last)
                    std::copy(l.begin(), l.end(), plain.begin() + static_cast<std::ptrdiff_t>(i - first) * cfg.vocab);
            }
            session.set_observer(nullptr);
            const auto& dec = o.injection ? dcap.got()["logits"] : plain;
            // Rows of positions [max(first, T-k), last) exist in both.
            const int from = std::max(p.first, T - k);
            const std::size_t V = static_cast<std::size_t>(cfg.vocab);
            if (!pre.empty() && !dec.empty() && from < p.last) {
                const std::size_t off = static_cast<std::size_t>(from - p.first) * V;
                const std::size_t len = static_cast<std::size_t>(p.last - from) * V;
                const Diff d = compare(std::span<const float>(dec.data() + off, len), std::span<const float>(pre.data() + off, len));
                rep.decode_vs_prefill_nmse = std::max(rep.decode_vs_prefill_nmse, d.nmse);
                if (!(d.nmse <= b.decode_vs_prefill_nmse)) rep.decode_ok = false;
            }
        }
        if (p.name == model.references.held_text && p.tensors.count(tensors::kLogits))
            rep.kld = kld_stats(p, logits, cfg.vocab, b);
    }

    // Greedy continuation from the reference's prompt.
    if (o.greedy && model.references.find(model.references.greedy_prompt)) {
        const ReferencePrompt& gp = *model.references.find(model.references.greedy_prompt);
        GreedyCheck& g = rep.greedy;
        g.checked = true;
        g.n_tokens = static_cast<int>(model.references.greedy_ids.size());
        session.reset();
        Capture icap(gp, o.injection, 0);  // only to apply an injection, nothing is compared
        session.set_observer(o.injection ? &icap : nullptr);
        auto logits = session.forward(gp.ids);
        for (int i = 0; i < g.n_tokens; ++i) {
            const int t = argmax(logits);
            g.ids.push_back(t);
            if (t != model.references.greedy_ids[static_cast<std::size_t>(i)]) {
                ++g.divergent_positions;
                if (g.first_divergent < 0) {
                    g.first_divergent = i;
                    g.excused = i < static_cast<int>(model.references.greedy_margins.size()) &&
                                model.references.greedy_margins[static_cast<std::size_t>(i)] < b.near_tie_margin;
                }
            }
            if (i + 1 < g.n_tokens && session.position() < session.context()) {
                const int one[1] = {t};
                logits = session.forward(one);
            }
        }
        session.set_observer(nullptr);
        g.ok = g.first_divergent < 0 || g.excused;
    }

    // Batched decode against the solo runs above (not with an injection: the batch has no taps).
    if (o.batch > 1 && !o.injection) rep.batch = check_batch(model, ks, o.batch, rep.greedy.ids);

    // Verdicts and the first failures, in forward order within the first failing prompt.
    for (std::size_t i = 0; i < rep.tensors.size(); ++i) {
        const TensorCheck& t = rep.tensors[i];
        if (!t.accumulated_ok && rep.first_accumulated_failure < 0) rep.first_accumulated_failure = static_cast<int>(i);
        if (t.local_checked && !t.local_ok && rep.first_local_failure < 0) rep.first_local_failure = static_cast<int>(i);
        if (t.accumulated.nmse >= rep.worst_accumulated_nmse) {
            rep.worst_accumulated_nmse = t.accumulated.nmse;
            rep.worst_accumulated_tensor = t.prompt + ":" + t.tensor;
        }
        if (t.local_checked && t.local_nmse >= rep.worst_local_nmse) {
            rep.worst_local_nmse = t.local_nmse;
            rep.worst_local_tensor = t.prompt + ":" + t.tensor;
        }
    }
    if (!previous_logits.empty()) {
        rep.deterministic_checked = true;
        rep.deterministic = previous_logits.size() == all_logits.size() &&
                            std::memcmp(previous_logits.data(), all_logits.data(), all_logits.size() * sizeof(float)) == 0;
    }
    previous_logits = std::move(all_logits);
    // A variant that declares itself non-deterministic is held to the budgets only.
    const bool det_required = kernels::is_deterministic(ks);
    rep.ok = rep.first_accumulated_failure < 0 && rep.first_local_failure < 0 && rep.decode_ok &&
             (!rep.kld.checked || rep.kld.ok) && (!rep.greedy.checked || rep.greedy.ok) &&
             (!rep.deterministic_checked || rep.deterministic || !det_required) && (!rep.batch.checked || rep.batch.ok);
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return rep;
}

}  // namespace lmh::verify
