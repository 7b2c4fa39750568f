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

void register_all() {
    for (const auto& v : list_variants()) {
        if (!v.available) continue;
        const std::string op(op_name(v.op)), name(v.name);
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
