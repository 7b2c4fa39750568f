// Micro-benchmarks: every op × every registered variant × the shapes of the two models,
// for decode (m = 1) and prefill (m = 64, m = 512), plus OpenBLAS cblas_sgemm as a peer for
// matmul. Names: op/variant/model_shape/mM[/threads:T], e.g. matmul/tbb-simd/chat_ffn_up/m512.
// Counters: GFLOP/s (matmul: 2·m·n·k) and GB/s (bytes of inputs and outputs touched once;
// matmul_bf16 counts its weights at 2 bytes), both rates over wall time. oneTBB variants (and OpenBLAS) run at 1 and 2 threads, capped
// with tbb::global_control (openblas_set_num_threads); other variants at 1.
//
// Defaults to --benchmark_min_time=0.05 unless one is given. Examples:
//   lmh_bench_kernels --benchmark_filter='^matmul/.*/chat_ffn_up/m512'
//   lmh_bench_kernels --benchmark_filter=^matmul/ --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=matmul.json --benchmark_out_format=json
// lm_head appears only at m = 1: the forward pass computes logits for the last position only.
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/bf16.h"
#include "kernels/registry.h"

#ifdef LMH_HAVE_CBLAS
#include <cblas.h>
#endif

namespace lmh::kernels {
namespace {

struct Model {
    const char* name;
    int hidden, n_heads, n_kv_heads, head_dim, ffn, vocab;
};
constexpr Model kModels[] = {
    {"story", 128, 8, 4, 16, 384, 2048},
    {"chat", 312, 12, 4, 26, 1092, 32002},
};
constexpr int kTokens[] = {1, 64, 512};
constexpr int kDecodeCache = 511;  // decode step: the new token at position 511

std::vector<float> random_floats(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (auto& x : v) x = d(rng);
    return v;
}

void set_rates(benchmark::State& state, double flop, double bytes) {
    state.counters["GFLOP/s"] = benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Registers fn as name[/threads:T] for each thread count; fn(state) runs under the cap.
template <class F>
void add(const std::string& name, bool threaded, F fn) {
    for (int threads : threaded ? std::vector<int>{1, 2} : std::vector<int>{1}) {
        const std::string full = threaded ? name + "/threads:" + std::to_string(threads) : name;
        benchmark::RegisterBenchmark(full.c_str(), [fn, threads](benchmark::State& state) {
            tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
            fn(state);
        })->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
}


// ---- per-op registration -------------------------------------------------------------

struct MatmulShape {
    const char* name;
    int n, k;
};

// The weight matrices of one layer (n × k) and the lm_head.
std::array<MatmulShape, 5> matmul_shapes(const Model& mdl) {
    return {{{"attn_q", mdl.hidden, mdl.hidden},
             {"attn_kv", mdl.n_kv_heads * mdl.head_dim, mdl.hidden},
             {"ffn_up", mdl.ffn, mdl.hidden},
             {"ffn_down", mdl.hidden, mdl.ffn},
             {"lm_head", mdl.vocab, mdl.hidden}}};
}

// Calls case_fn("model_shape/mM", m, n, k) for every matmul shape of both models and every
// token count (lm_head only as a decode GEMV): the case list shared by every matmul row.
template <class CaseFn>
void for_each_matmul_case(CaseFn&& case_fn) {
    for (const Model& mdl : kModels)
        for (const auto& s : matmul_shapes(mdl))
            for (int m : kTokens) {
                if (std::string(s.name) == "lm_head" && m != 1) continue;
                case_fn(std::string(mdl.name) + "_" + s.name + "/m" + std::to_string(m), m, s.n, s.k);
            }
}

void register_matmul(const std::string& variant, bool threaded, MatmulFn fn) {
    for_each_matmul_case([&](const std::string& shape, int m, int n, int k) {
        add("matmul/" + variant + "/" + shape, threaded, [fn, m, n, k](benchmark::State& state) {
            const auto a = random_floats((std::size_t)m * k, 1), b = random_floats((std::size_t)n * k, 2);
            std::vector<float> c((std::size_t)m * n);
            for (auto _ : state) {
                fn(a.data(), b.data(), c.data(), m, n, k, 1.0f, 0.0f);
                benchmark::DoNotOptimize(c.data());
                benchmark::ClobberMemory();
            }
            set_rates(state, 2.0 * m * n * k, 4.0 * ((double)m * k + (double)n * k + (double)m * n));
        });
    });
}

// The same shapes and names as matmul (matmul_bf16/variant/model_shape/mM), the weights
// the same random values rounded to bf16.
void register_matmul_bf16(const std::string& variant, bool threaded, MatmulBf16Fn fn) {
    for_each_matmul_case([&](const std::string& shape, int m, int n, int k) {
        add("matmul_bf16/" + variant + "/" + shape, threaded, [fn, m, n, k](benchmark::State& state) {
            const auto a = random_floats((std::size_t)m * k, 1), w = random_floats((std::size_t)n * k, 2);
            std::vector<std::uint16_t> b(w.size());
            f32_to_bf16_n(w.data(), b.data(), w.size());
            std::vector<float> c((std::size_t)m * n);
            for (auto _ : state) {
                fn(a.data(), b.data(), c.data(), m, n, k);
                benchmark::DoNotOptimize(c.data());
                benchmark::ClobberMemory();
            }
            set_rates(state, 2.0 * m * n * k, 4.0 * ((double)m * k + (double)m * n) + 2.0 * n * k);
        });
    });
}

#ifdef LMH_HAVE_CBLAS
void openblas_matmul(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, k, b, k, beta, c, n);
}

void register_openblas() {
    // The same shapes as the kernels, at 1 and 2 OpenBLAS threads.
    for (int threads : {1, 2})
        for_each_matmul_case([&](const std::string& shape, int m, int n, int k) {
            const std::string name = "matmul/openblas/" + shape + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), [m, n, k, threads](benchmark::State& state) {
                openblas_set_num_threads(threads);
                const auto a = random_floats((std::size_t)m * k, 1), b = random_floats((std::size_t)n * k, 2);
                std::vector<float> c((std::size_t)m * n);
                for (auto _ : state) {
                    openblas_matmul(a.data(), b.data(), c.data(), m, n, k, 1.0f, 0.0f);
                    benchmark::DoNotOptimize(c.data());
                    benchmark::ClobberMemory();
                }
                set_rates(state, 2.0 * m * n * k, 4.0 * ((double)m * k + (double)n * k + (double)m * n));
            })->UseRealTime()->Unit(benchmark::kMicrosecond);
        });
}
#endif

void register_rmsnorm(const std::string& variant, bool threaded, RmsNormFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int dim = mdl.hidden;
            add("rmsnorm/" + variant + "/" + mdl.name + "_hidden/m" + std::to_string(m), threaded,
                [fn, m, dim](benchmark::State& state) {
                    const auto x = random_floats((std::size_t)m * dim, 3), w = random_floats(dim, 4);
                    std::vector<float> y((std::size_t)m * dim);
                    for (auto _ : state) {
                        fn(x.data(), w.data(), y.data(), m, dim, 1e-5f);
                        benchmark::DoNotOptimize(y.data());
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, 4.0 * m * dim, 4.0 * (2.0 * m * dim + dim));
                });
        }
}

void register_rope(const std::string& variant, bool threaded, RopeFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int heads = mdl.n_heads, hd = mdl.head_dim;
            add("rope/" + variant + "/" + mdl.name + "_q/m" + std::to_string(m), threaded,
                [fn, m, heads, hd](benchmark::State& state) {
                    auto x = random_floats((std::size_t)m * heads * hd, 5);
                    const auto c = random_floats((std::size_t)m * hd / 2, 6), s = random_floats((std::size_t)m * hd / 2, 7);
                    for (auto _ : state) {
                        fn(x.data(), m, heads, hd, c.data(), s.data());  // rotating again keeps |x| bounded
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, 3.0 * m * heads * hd, 4.0 * (2.0 * m * heads * hd + (double)m * hd));
                });
        }
}

// Scores of one head: decode against a 511-token cache, or causal prefill from position 0.
void register_softmax(const std::string& variant, bool threaded, SoftmaxFn fn) {
    for (int m : kTokens) {
        const int pos0 = m == 1 ? kDecodeCache : 0, cols = pos0 + m;
        for (int window : {0, 64}) {
            const std::string w = window ? "_window64" : "";
            add("softmax/" + variant + "/scores" + w + "/m" + std::to_string(m), threaded,
                [fn, m, cols, pos0, window](benchmark::State& state) {
                    const auto init = random_floats((std::size_t)m * cols, 8, -8.0f, 8.0f);
                    auto x = init;
                    for (auto _ : state) {
                        state.PauseTiming();
                        std::memcpy(x.data(), init.data(), x.size() * sizeof(float));
                        state.ResumeTiming();
                        fn(x.data(), m, cols, pos0, window);
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, 0.0, 8.0 * m * cols);
                });
        }
    }
}

void register_attention(const std::string& variant, bool threaded, AttentionFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int pos0 = m == 1 ? kDecodeCache : 0;
            const Model md = mdl;
            add("attention/" + variant + "/" + mdl.name + "/m" + std::to_string(m), threaded,
                [fn, m, pos0, md](benchmark::State& state) {
                    const int kv_len = pos0 + m, hd = md.head_dim;
                    const auto q = random_floats((std::size_t)m * md.n_heads * hd, 9);
                    const auto k = random_floats((std::size_t)kv_len * md.n_kv_heads * hd, 10);
                    const auto v = random_floats((std::size_t)kv_len * md.n_kv_heads * hd, 11);
                    std::vector<float> out((std::size_t)m * md.n_heads * hd);
                    constexpr int kSlots = 8;
                    std::vector<float> scratch((std::size_t)kSlots * kv_len);
                    AttentionArgs a;
                    a.q = q.data();
                    a.k = k.data();
                    a.v = v.data();
                    a.out = out.data();
                    a.seq = m;
                    a.pos0 = pos0;
                    a.n_heads = md.n_heads;
                    a.n_kv_heads = md.n_kv_heads;
                    a.head_dim = hd;
                    a.scale = 1.0f / std::sqrt((float)hd);
                    a.scratch = scratch.data();
                    a.scratch_slots = kSlots;
                    a.scratch_stride = kv_len;
                    for (auto _ : state) {
                        fn(a);
                        benchmark::DoNotOptimize(out.data());
                        benchmark::ClobberMemory();
                    }
                    // Visible (query, key) pairs × heads × (dot + axpy over head_dim).
                    const double pairs = (double)m * pos0 + (double)m * (m + 1) / 2.0;
                    set_rates(state, 4.0 * pairs * md.n_heads * hd,
                              4.0 * (2.0 * m * md.n_heads * hd + 2.0 * kv_len * md.n_kv_heads * hd));
                });
        }
}

void register_swiglu(const std::string& variant, bool threaded, SwigluFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int n = m * mdl.ffn;
            add("swiglu/" + variant + "/" + mdl.name + "_ffn/m" + std::to_string(m), threaded,
                [fn, n](benchmark::State& state) {
                    const auto g = random_floats(n, 12, -6.0f, 6.0f), u = random_floats(n, 13);
                    std::vector<float> out(n);
                    for (auto _ : state) {
                        fn(g.data(), u.data(), out.data(), n);
                        benchmark::DoNotOptimize(out.data());
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, 0.0, 12.0 * n);
                });
        }
}

void register_gather(const std::string& variant, bool threaded, GatherFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int dim = mdl.hidden, vocab = mdl.vocab;
            add("gather/" + variant + "/" + mdl.name + "_embed/m" + std::to_string(m), threaded,
                [fn, m, dim, vocab](benchmark::State& state) {
                    const auto table = random_floats((std::size_t)vocab * dim, 14);
                    std::vector<int> ids(m);
                    for (int i = 0; i < m; ++i) ids[i] = (i * 7919) % vocab;
                    std::vector<float> out((std::size_t)m * dim);
                    for (auto _ : state) {
                        fn(table.data(), ids.data(), out.data(), m, dim);
                        benchmark::DoNotOptimize(out.data());
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, 0.0, 8.0 * m * dim);
                });
        }
}

void register_add(const std::string& variant, bool threaded, AddFn fn) {
    for (const Model& mdl : kModels)
        for (int m : kTokens) {
            const int n = m * mdl.hidden;
            add("add/" + variant + "/" + mdl.name + "_residual/m" + std::to_string(m), threaded,
                [fn, n](benchmark::State& state) {
                    auto x = random_floats(n, 15);
                    const auto y = random_floats(n, 16, -1e-3f, 1e-3f);
                    for (auto _ : state) {
                        fn(x.data(), y.data(), n);
                        benchmark::ClobberMemory();
                    }
                    set_rates(state, (double)n, 12.0 * n);
                });
        }
}

void register_all() {
    for (const auto& v : list_variants()) {
        if (!v.available) continue;
        const std::string name(v.name);
        const KernelSet ks = make_kernel_set(std::string(op_name(v.op)) + "=" + name);
        switch (v.op) {
            case Op::matmul: register_matmul(name, v.parallel, ks.matmul); break;
            case Op::rmsnorm: register_rmsnorm(name, v.parallel, ks.rmsnorm); break;
            case Op::rope: register_rope(name, v.parallel, ks.rope); break;
            case Op::softmax: register_softmax(name, v.parallel, ks.softmax); break;
            case Op::attention: register_attention(name, v.parallel, ks.attention); break;
            case Op::swiglu: register_swiglu(name, v.parallel, ks.swiglu); break;
            case Op::gather: register_gather(name, v.parallel, ks.gather); break;
            case Op::add: register_add(name, v.parallel, ks.add); break;
            case Op::matmul_bf16: register_matmul_bf16(name, v.parallel, ks.matmul_bf16); break;
        }
    }
#ifdef LMH_HAVE_CBLAS
    register_openblas();
#endif
}

}  // namespace
}  // namespace lmh::kernels

int main(int argc, char** argv) {
    std::vector<char*> args(argv, argv + argc);
    bool has_min_time = false;
    for (int i = 1; i < argc; ++i) has_min_time |= std::strncmp(argv[i], "--benchmark_min_time", 20) == 0;
    static char default_min_time[] = "--benchmark_min_time=0.05";
    if (!has_min_time) args.insert(args.begin() + 1, default_min_time);
    int n = (int)args.size();
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    lmh::kernels::register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
