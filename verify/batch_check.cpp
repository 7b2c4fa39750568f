#include "verify/batch_check.h"

#include <algorithm>
#include <cstring>

#include "engine/batch.h"
#include "verify/budgets.h"
#include "engine/sampler.h"
#include "util/metrics.h"

namespace lmh::verify {
namespace {

constexpr int kSteps = 8;           // decode rows per prompt, as the decode-versus-prefill check
constexpr int kCompanyPrefix = 96;  // longest prefill of a companion sequence (keeps the check cheap)

// Where a prompt's decode starts: its last kSteps ids (all but the first for short prompts).
int decode_start(const ReferencePrompt& p) {
    return std::max(1, static_cast<int>(p.ids.size()) - kSteps);
}

// The token a sequence is fed at step s of a run that prefilled `prefix` ids of p: the prompt's
// own next ids, wrapping around (any in-vocabulary ids do; these keep the rows realistic).
int companion_token(const ReferencePrompt& p, int prefix, int s) {
    return p.ids[static_cast<std::size_t>((prefix + s) % static_cast<int>(p.ids.size()))];
}

}  // namespace

BatchCheck check_batch(const VerifyModel& model, const kernels::KernelSet& ks, int size,
                       const std::vector<int>& solo_greedy) {
    BatchCheck bc;
    bc.checked = true;
    bc.budget_nmse = std::max(kBatchNmse, budgets_for(ks.weights, ks.acts).decode_vs_prefill_nmse);
    bc.size = size;
    bc.claimed = kernels::is_batch_invariant(ks);
    const auto& prompts = model.references.prompts;
    const int P = static_cast<int>(prompts.size());
    const std::size_t V = static_cast<std::size_t>(model.weights->config().vocab);
    int longest = 0;
    for (const auto& p : prompts) longest = std::max(longest, static_cast<int>(p.ids.size()));
    const int ctx = std::min(model.weights->config().max_positions,
                             std::max(longest, kCompanyPrefix) + kSteps + static_cast<int>(solo_greedy.size()) + 1);

    Session solo(model.weights, ks, SessionOptions{ctx, 512});
    Batch batch(model.weights, ks, BatchOptions{size, ctx, 512});
    std::vector<int> slots(static_cast<std::size_t>(size)), tokens(static_cast<std::size_t>(size)),
        prefix(static_cast<std::size_t>(size));
    auto compare_row = [&](std::span<const float> got, std::span<const float> want) {
        const Diff d = compare(got, want);
        bc.nmse = std::max(bc.nmse, d.finite_ok() ? d.nmse : std::numeric_limits<double>::infinity());
        bc.bitwise = bc.bitwise && std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0;
        ++bc.rows;
    };
    // Slot 0: the prompt under test; slots 1..size-1: other prompts, prefilled to other lengths,
    // so every step mixes positions.
    auto fill_company = [&](int target) {
        for (int j = 1; j < size; ++j) {
            const ReferencePrompt& q = prompts[static_cast<std::size_t>((target + j) % P)];
            const int len = std::clamp(decode_start(q) - 3 * j, 1, kCompanyPrefix - j);
            const std::size_t zj = static_cast<std::size_t>(j);
            slots[zj] = batch.add();
            prefix[zj] = std::min(len, static_cast<int>(q.ids.size()));
            batch.sequence(slots[zj]).forward(std::span<const int>(q.ids.data(), static_cast<std::size_t>(prefix[zj])));
        }
    };
    auto clear = [&] {
        for (int j = 0; j < size; ++j) batch.remove(slots[static_cast<std::size_t>(j)]);
    };

    std::vector<float> want;
    for (int i = 0; i < P; ++i) {
        const ReferencePrompt& p = prompts[static_cast<std::size_t>(i)];
        const int start = decode_start(p), T = static_cast<int>(p.ids.size());
        if (T < 2) continue;  // nothing to decode after a one-token prompt
        solo.reset();
        solo.forward(std::span<const int>(p.ids.data(), static_cast<std::size_t>(start)));
        want.clear();
        for (int t = start; t < T; ++t) {
            const auto l = solo.forward(std::span<const int>(&p.ids[static_cast<std::size_t>(t)], 1));
            want.insert(want.end(), l.begin(), l.end());
        }
        slots[0] = batch.add();
        batch.sequence(slots[0]).forward(std::span<const int>(p.ids.data(), static_cast<std::size_t>(start)));
        fill_company(i);
        for (int s = 0; s < T - start; ++s) {
            tokens[0] = p.ids[static_cast<std::size_t>(start + s)];
            for (int j = 1; j < size; ++j) {
                const std::size_t zj = static_cast<std::size_t>(j);
                tokens[zj] = companion_token(prompts[static_cast<std::size_t>((i + j) % P)], prefix[zj], s);
            }
            const auto l = batch.step(slots, tokens);
            compare_row(l.first(V), std::span<const float>(want.data() + static_cast<std::size_t>(s) * V, V));
        }
        clear();
    }

    // Greedy: the reference's greedy prompt decoded in company, each companion greedy too.
    const ReferencePrompt* gp = model.references.find(model.references.greedy_prompt);
    if (gp && !solo_greedy.empty()) {
        bc.greedy_checked = true;
        const int gi = static_cast<int>(gp - prompts.data());
        slots[0] = batch.add();
        auto l0 = batch.sequence(slots[0]).forward(gp->ids);
        tokens[0] = argmax(l0);
        fill_company(gi);
        for (int j = 1; j < size; ++j)
            tokens[static_cast<std::size_t>(j)] = companion_token(prompts[static_cast<std::size_t>((gi + j) % P)], prefix[static_cast<std::size_t>(j)], 0);
        std::vector<int> got{tokens[0]};
        while (got.size() < solo_greedy.size()) {
            const auto l = batch.step(slots, tokens);
            for (int j = 0; j < size; ++j)
                tokens[static_cast<std::size_t>(j)] = argmax(l.subspan(static_cast<std::size_t>(j) * V, V));
            got.push_back(tokens[0]);
        }
        bc.greedy_same = got == solo_greedy;
        clear();
    }
    bc.ok = bc.nmse <= bc.budget_nmse && bc.greedy_same && (bc.bitwise || !bc.claimed);
    return bc;
}

}  // namespace lmh::verify
