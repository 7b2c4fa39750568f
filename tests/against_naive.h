// test-backend-ops' check, shared by the quantized (quant_test.cpp) and acts=bf16
// (bf16_acts_test.cpp) matmuls: a variant against the naive variant of the same format on
// identical inputs, every case of the kernel case table, NMSE <= 1e-10 (the products are the
// same; only the f32 order of the sums may differ). One definition, so a unity build
// (LMH_UNITY) never sees two.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kernels/cases/kernel_case.h"
#include "kernels/registry.h"
#include "util/metrics.h"

namespace lmh::test {

inline void expect_matches_naive(kernels::Op op, const kernels::KernelSet& naive, const kernels::KernelSet& ks,
                                 const std::string& what) {
    for (const auto& c : kernels::cases::eval_cases(op)) {
        c->prepare();
        c->reset();
        c->run(naive);
        const std::vector<float> want(c->result().body().begin(), c->result().body().end());
        c->reset();
        c->run(ks);
        const Diff d = compare(c->result().body(), want);
        EXPECT_TRUE(d.finite_ok() && d.nmse <= 1e-10) << what << " " << c->label() << ": NMSE " << d.nmse;
    }
}

}  // namespace lmh::test
