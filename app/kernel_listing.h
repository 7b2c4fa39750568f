// What `lmharness kernels` prints: the registry's variants with what each needs and
// promises (or, with --mutants, the catalogue of planted faults), as a table or JSON.
#pragma once

namespace lmh::app {

void print_kernel_variants(bool json);
void print_mutants(bool json);

}  // namespace lmh::app
