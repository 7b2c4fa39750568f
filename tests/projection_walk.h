// Every weight matrix of a loaded model with its laid-out Linear, in load order (each layer's
// q, k, v, o, gate, up, down, then lm_head): the walk the projection tests check pointers
// and blocks along.
#pragma once

#include "engine/projections.h"
#include "engine/weights.h"

namespace lmh::test {

template <class Check>
void for_each_matrix(const Weights& w, const Projections& p, Check&& check) {
    for (int l = 0; l < w.config().n_layers; ++l) {
        const LayerWeights& lw = w.layer(l);
        const Projections::Layer& P = p.layer(l);
        check(lw.wq, P.q), check(lw.wk, P.k), check(lw.wv, P.v), check(lw.wo, P.o);
        check(lw.w_gate, P.gate), check(lw.w_up, P.up), check(lw.w_down, P.down);
    }
    check(w.lm_head(), p.lm_head());
}

}  // namespace lmh::test
