// Mutants: named, realistic kernel faults for measuring how many real bugs the tests and
// `verify` catch and whether verify pins them to the right op (scripts/mutants.sh).
//
// Built only with -DLMH_MUTANTS=ON (a test instrument; CMake refuses it without the tests).
// A build with mutants runs unmutated unless LMH_MUTANT=<name> names one mutant of the
// catalogue below; the environment is read once (a function-local static const). In a
// normal build LMH_MUTANT(id) is the constant 0, so every hook folds away and the kernels
// are byte-for-byte what they are without this file.
//
// Each hook is one expression at the faulty site, e.g.
//     for (int p = 0; p < k - LMH_MUTANT(matmul_naive_k_minus_one); ++p)
//
// The catalogue is one X-macro table: identifier, name (<op>_<variant>.<fault>), op,
// variant, the cheapest kernel set whose forward pass runs the mutated code (for `verify
// --kernels`: rope, gather and add have only a portable variant, so the tbb set runs it;
// matmul_bf16's naive variant is what the bf16 set uses here), kind, description. Whether
// a mutant runs on this CPU follows from its variant's CPU needs.
#pragma once

#include <span>
#include <string>
#include <string_view>

// clang-format off
#define LMH_MUTANT_CATALOGUE(X) \
  X(matmul_naive_k_minus_one,        "matmul_naive.k_minus_one",          "matmul", "naive",   "tbb,matmul=naive",   "loop bound",    "dot product stops at k-1: the last term of every reduction is dropped") \
  X(matmul_naive_beta_dropped,       "matmul_naive.beta_dropped",         "matmul", "naive",   "tbb,matmul=naive",   "epilogue",      "C = alpha*AB even when beta != 0: the accumulate-into-C path is lost") \
  X(matmul_blocked_k_tail_dropped,   "matmul_blocked.k_tail_dropped",     "matmul", "blocked", "tbb,matmul=blocked", "dropped block", "GEMM loops over whole 256-wide k panels only: a partial last panel is skipped") \
  X(matmul_blocked_stale_sums,       "matmul_blocked.stale_sums",         "matmul", "blocked", "tbb,matmul=blocked", "stale accumulator", "GEMM partial sums reset once per row block, not per column block") \
  X(matmul_blocked_edge_column,      "matmul_blocked.edge_column",        "matmul", "blocked", "tbb,matmul=blocked", "tail handling", "GEMM stores nr-1 columns of a partial 8-column edge tile") \
  X(matmul_blocked_gemv_k_tail,      "matmul_blocked.gemv_k_tail",        "matmul", "blocked", "tbb,matmul=blocked", "tail handling", "GEMV (decode) skips the k % 8 scalar tail") \
  X(matmul_blocked_gemv_last_rows,   "matmul_blocked.gemv_last_rows",     "matmul", "blocked", "tbb,matmul=blocked", "loop bound",    "GEMV walks whole 4-row blocks only: the last n % 4 outputs are never written") \
  X(matmul_tbb_tile_edge,            "matmul_tbb.tile_edge",              "matmul", "tbb",     "tbb",     "dropped block", "prefill tiles counted as n / 64: the partial last column tile is never computed") \
  X(matmul_tbb_gemv_tile_edge,       "matmul_tbb.gemv_tile_edge",         "matmul", "tbb",     "tbb",     "dropped block", "decode tiles counted as n / 64: the partial last tile of outputs is never computed") \
  X(matmul_bf16_naive_k_tail,        "matmul_bf16_naive.k_tail",          "matmul_bf16", "naive", "bf16,matmul_bf16=naive", "tail handling", "dot product over k / 8 * 8 terms, as if a vector loop's tail were forgotten") \
  X(bf16_round_truncate,             "bf16_round.truncate",               "matmul_bf16", "bf16 rounding", "bf16", "rounding mode", "f32_to_bf16_n (the weights' one rounding at load) truncates instead of rounding to nearest even") \
  X(rmsnorm_naive_divisor,           "rmsnorm_naive.divisor",             "rmsnorm", "naive",  "tbb,rmsnorm=naive",   "wrong divisor", "mean of squares divides by dim - 1") \
  X(rmsnorm_naive_eps_outside_sqrt,  "rmsnorm_naive.eps_outside_sqrt",    "rmsnorm", "naive",  "tbb,rmsnorm=naive",   "wrong formula", "1 / (sqrt(ms) + eps) instead of 1 / sqrt(ms + eps)") \
  X(rmsnorm_blocked_tail,            "rmsnorm_blocked.tail",              "rmsnorm", "blocked", "tbb,rmsnorm=blocked", "tail handling", "sum of squares skips the dim % 8 scalar tail") \
  X(rmsnorm_blocked_lane_dropped,    "rmsnorm_blocked.lane_dropped",      "rmsnorm", "blocked", "tbb,rmsnorm=blocked", "dropped block", "the reduction tree leaves out the last of the 8 partial sums") \
  X(rmsnorm_tbb_piece_last_row,      "rmsnorm_tbb.piece_last_row",        "rmsnorm", "tbb",    "tbb",     "loop bound",    "each oneTBB piece normalises r1 - r0 - 1 rows") \
  X(rope_naive_pair_swap,            "rope_naive.pair_swap",              "rope",    "naive",  "tbb",   "pair layout",   "rotates interleaved pairs (2i, 2i+1) instead of HF rotate-half pairs (i, i+d/2)") \
  X(rope_naive_sign_swap,            "rope_naive.sign_swap",              "rope",    "naive",  "tbb",   "sign",          "rotates by -angle (the sin terms' signs swapped)") \
  X(rope_naive_position_minus_one,   "rope_naive.position_minus_one",     "rope",    "naive",  "tbb",   "off by one",    "row r uses the angle of position r-1 (row 0 unchanged)") \
  X(softmax_naive_no_max,            "softmax_naive.no_max",              "softmax", "naive",  "tbb,attention=naive",   "numerics",      "exp(x) without subtracting the row max: overflows on large scores") \
  X(softmax_naive_window_plus_one,   "softmax_naive.window_plus_one",     "softmax", "naive",  "tbb,attention=naive",   "window mask",   "the sliding window admits one key too many (p - c <= window)") \
  X(softmax_tbb_piece_pos0,          "softmax_tbb.piece_pos0",            "softmax", "tbb",    "tbb",     "causal mask",   "every oneTBB piece masks as if it started at row 0 (pos0 instead of pos0 + r0)") \
  X(attention_naive_causal_plus_one, "attention_naive.causal_plus_one",   "attention", "naive", "tbb,attention=naive",  "causal mask",   "a query sees one future key (mask at position p + 1)") \
  X(attention_naive_gqa_mapping,     "attention_naive.gqa_mapping",       "attention", "naive", "tbb,attention=naive",  "GQA mapping",   "query head h reads kv head h % n_kv_heads instead of h / group") \
  X(attention_blocked_window_plus_one, "attention_blocked.window_plus_one", "attention", "blocked", "tbb,attention=blocked", "window mask", "the row code admits one key past the sliding window (shared by blocked and tbb)") \
  X(attention_blocked_no_max,        "attention_blocked.no_max",          "attention", "blocked", "tbb,attention=blocked", "numerics",   "softmax weights exp(s) without subtracting the row max") \
  X(attention_blocked_key_tail,      "attention_blocked.key_tail",        "attention", "blocked", "tbb,attention=blocked", "tail handling", "scores of the span % 4 tail keys are never computed (stale scratch)") \
  X(attention_blocked_stale_out,     "attention_blocked.stale_out",       "attention", "blocked", "tbb,attention=blocked", "stale accumulator", "the output row is not zeroed before the weighted sum") \
  X(attention_tbb_shared_scratch,    "attention_tbb.shared_scratch",      "attention", "tbb",  "tbb",     "race",          "every worker writes scores into scratch slot 0 (the per-thread slot is skipped)") \
  X(attention_tbb_last_pair,         "attention_tbb.last_pair",           "attention", "tbb",  "tbb",     "loop bound",    "the parallel range ends one (row, head) pair early") \
  X(swiglu_naive_silu_of_up,         "swiglu_naive.silu_of_up",           "swiglu",  "naive",  "tbb,swiglu=naive",   "wrong operand", "silu applied to up instead of gate") \
  X(swiglu_naive_sigmoid_not_silu,   "swiglu_naive.sigmoid_not_silu",     "swiglu",  "naive",  "tbb,swiglu=naive",   "wrong formula", "sigmoid(gate) * up: the factor gate of silu is missing") \
  X(swiglu_tbb_last_block,           "swiglu_tbb.last_block",             "swiglu",  "tbb",    "tbb",     "dropped block", "units counted as n / 256: the partial last block is never computed") \
  X(gather_naive_short_row,          "gather_naive.short_row",            "gather",  "naive",  "tbb",   "tail handling", "copies dim - 1 floats per embedding row") \
  X(add_naive_tail,                  "add_naive.tail",                    "add",     "naive",  "tbb",   "loop bound",    "residual add stops at n - 1") \
  X(attention_tile_window_plus_one,  "attention_tile.window_plus_one",    "attention", "simd", "simd",    "window mask",   "AVX-512 prefill tile admits one key past the sliding window (not run without AVX-512)")
// clang-format on

namespace lmh::kernels::mutants {

enum class Id : int {
    none = 0,
#define LMH_MUTANT_ENUM(id, ...) id,
    LMH_MUTANT_CATALOGUE(LMH_MUTANT_ENUM)
#undef LMH_MUTANT_ENUM
};

struct Mutant {
    Id id;
    std::string_view name;
    std::string_view op;
    std::string_view variant;
    std::string_view kernels;  // the kernel spec whose run uses the mutated code
    std::string_view kind;
    std::string_view description;
};

// The catalogue, in table order.
std::span<const Mutant> catalogue();
// Whether this binary was built with -DLMH_MUTANTS=ON.
bool compiled_in();
// LMH_MUTANT as read once at first use: the mutant named there, or Id::none.
Id active();
// The raw LMH_MUTANT value, and an error text when it cannot be honoured (unknown name, or
// a binary built without mutants); empty when fine. The CLI refuses to run on an error.
std::string environment_error();
std::string_view active_name();

}  // namespace lmh::kernels::mutants

#ifdef LMH_MUTANTS
#define LMH_MUTANT(id) static_cast<int>(::lmh::kernels::mutants::active() == ::lmh::kernels::mutants::Id::id)
#else
#define LMH_MUTANT(id) 0
#endif
