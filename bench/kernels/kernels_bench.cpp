// Micro-benchmarks: every op × every registered variant × the perf shapes of the kernel
// case table (kernels/cases/kernel_case.h, perf_cases: the two models' shapes for decode,
// m = 1, and prefill, m = 64 and 512), plus OpenBLAS cblas_sgemm as a peer for matmul.
// Names: op/variant/model_shape/mM[/threads:T], e.g. matmul/tbb-simd/chat_ffn_up/m512.
// Counters: GFLOP/s and GB/s from the case's flops() and bytes() (inputs and outputs touched
// once; matmul_bf16 counts its weights at 2 bytes), both rates over wall time, and NMSE of
// one untimed run against the case's float64 reference (util/metrics.h). oneTBB variants
// (and OpenBLAS) run at 1 and 2 threads, capped with tbb::global_control
// (openblas_set_num_threads); other variants at 1.
//
// Defaults to --benchmark_min_time=0.05 unless one is given. Examples:
//   lmh_bench_kernels --benchmark_filter='^matmul/.*/chat_ffn_up/m512'
//   lmh_bench_kernels --benchmark_filter=^matmul/ --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=matmul.json --benchmark_out_format=json
// lm_head appears only at m = 1: the forward pass computes logits for the last position only.
//
// decode_rows/matmul/VARIANT/chat_SHAPE/mM: the matmuls of a batched decode step (engine/batch.h,
// m = sequences in the step, 1..64) on the chat model's shapes; the counter rows/s against
// m = 1 says where one call over m rows beats m calls of one row (GEMV -> GEMM):
//   lmh_bench_kernels --benchmark_filter='^decode_rows/matmul/tbb/.*/threads:2'
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <cstring>
#include <string>
#include <vector>

#include "kernels/cases/kernel_case.h"
#include "kernels/registry.h"
#include "util/metrics.h"

#ifdef LMH_HAVE_CBLAS
#include <cblas.h>
#endif

namespace lmh::kernels {
namespace {

// One benchmark of perf case `index` of `op` with the kernels of ks. The case is made anew
// and dropped after each call, so only the running benchmark holds its inputs. One untimed
// checked run, then the timed loop (in-place ops that drift are reset untimed).
void run_case(benchmark::State& state, Op op, std::size_t index, const KernelSet& ks) {
    const auto made = std::move(cases::perf_cases(op)[index]);
    cases::KernelCase& c = *made;
    c.prepare();
    c.reset();
    c.run(ks);
    const auto ref = c.reference();
    state.counters["NMSE"] = compare(c.result().body(), std::span<const double>(ref)).nmse;
    c.reset();
    for (auto _ : state) {
        if (c.reset_each_run()) {
            state.PauseTiming();
            c.reset();
            state.ResumeTiming();
        }
        c.run(ks);
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(c.flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["GB/s"] = benchmark::Counter(c.bytes() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// Registers op/variant/shape[/threads:T] for each thread count; the run is under the cap.
void add(const std::string& name, bool threaded, Op op, std::size_t index, KernelSet ks) {
    for (int threads : threaded ? std::vector<int>{1, 2} : std::vector<int>{1}) {
        const std::string full = threaded ? name + "/threads:" + std::to_string(threads) : name;
        benchmark::RegisterBenchmark(full.c_str(), [op, index, ks, threads](benchmark::State& state) {
            tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
            run_case(state, op, index, ks);
        })->UseRealTime()->Unit(benchmark::kMicrosecond);
    }
}

#ifdef LMH_HAVE_CBLAS
void openblas_matmul(const float* a, const float* b, float* c, int m, int n, int k, float alpha, float beta) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, alpha, a, k, b, k, beta, c, n);
}

// The same shapes as the kernels, at 1 and 2 OpenBLAS threads.
void register_openblas() {
    KernelSet ks = make_kernel_set("matmul=naive");
    ks.matmul = &openblas_matmul;
    const auto list = cases::perf_cases(Op::matmul);
    for (int threads : {1, 2})
        for (std::size_t i = 0; i < list.size(); ++i) {
            const std::string name = "matmul/openblas/" + list[i]->bench_name() + "/threads:" + std::to_string(threads);
            benchmark::RegisterBenchmark(name.c_str(), [i, ks, threads](benchmark::State& state) {
                openblas_set_num_threads(threads);
                run_case(state, Op::matmul, i, ks);
            })->UseRealTime()->Unit(benchmark::kMicrosecond);
        }
}
#endif

// The weights of a decode step's matmuls on the chat shapes, with m rows of activations.
void register_decode_rows() {
    const std::pair<const char*, std::pair<int, int>> shapes[] = {
        {"chat_attn_q", {312, 312}}, {"chat_ffn_up", {1092, 312}}, {"chat_ffn_down", {312, 1092}}, {"chat_lm_head", {32002, 312}}};
    for (const auto& v : list_variants()) {
        if (!v.available || v.op != Op::matmul || v.name == "naive") continue;
        const KernelSet ks = make_kernel_set(variant_spec(v));
        for (const auto& [shape, nk] : shapes)
            for (int m : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64})
                for (int threads : v.parallel ? std::vector<int>{1, 2} : std::vector<int>{1}) {
                    const std::string name = "decode_rows/matmul/" + v.full_name() + "/" + shape + "/m" + std::to_string(m) +
                                             (v.parallel ? "/threads:" + std::to_string(threads) : "");
                    const int n = nk.first, k = nk.second;
                    benchmark::RegisterBenchmark(name.c_str(), [ks, m, n, k, threads](benchmark::State& state) {
                        tbb::global_control cap(tbb::global_control::max_allowed_parallelism, threads);
                        std::vector<float> a(static_cast<std::size_t>(m) * k), b(static_cast<std::size_t>(n) * k),
                            c(static_cast<std::size_t>(m) * n);
                        for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7919) % 1000) * 1e-3f - 0.5f;
                        for (std::size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((i * 104729) % 1000) * 1e-3f - 0.5f;
                        for (auto _ : state) {
                            ks.matmul(a.data(), b.data(), c.data(), m, n, k, 1.0f, 0.0f);
                            benchmark::ClobberMemory();
                        }
                        state.counters["rows/s"] = benchmark::Counter(m, benchmark::Counter::kIsIterationInvariantRate);
                    })->UseRealTime()->Unit(benchmark::kMicrosecond);
                }
    }
}

void register_all() {
    register_decode_rows();
    for (const auto& v : list_variants()) {
        if (!v.available) continue;
        const std::string op(op_name(v.op)), name(v.label());  // matmul_bf16/naive+acts=bf16/...
        const KernelSet ks = make_kernel_set(variant_spec(v));
        const auto list = cases::perf_cases(v.op);
        for (std::size_t i = 0; i < list.size(); ++i)
            add(op + "/" + name + "/" + list[i]->bench_name(), v.parallel, v.op, i, ks);
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
