// attention_tbb_simd: the AVX-512 row code of attention_simd over (query row, head) pairs,
// distributed by the same oneTBB driver as attention_tbb (per-thread scratch slots,
// static partition, serial for small work).
#include "kernels/attention.h"
#include "kernels/attention_rows.h"

namespace lmh::kernels {

void attention_tbb_simd(const AttentionArgs& a) { attention_rows::parallel(a, attention_rows::avx512); }

}  // namespace lmh::kernels
