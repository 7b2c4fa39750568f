// LMH_ASSERT: kernel preconditions, as ggml's GGML_ASSERT. Checked in Debug and sanitizer
// builds (CMake defines LMH_CHECK_PRECONDITIONS there), compiled out of Release so the hot
// paths pay nothing; a violated precondition is a bug in the caller, so it aborts with the
// file, line and condition rather than throwing.
#pragma once

#include <cstdio>
#include <cstdlib>

#if defined(LMH_CHECK_PRECONDITIONS)
#define LMH_ASSERT(cond)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            std::fprintf(stderr, "%s:%d: LMH_ASSERT(%s) failed\n", __FILE__, __LINE__, #cond);    \
            std::abort();                                                                         \
        }                                                                                         \
    } while (0)
#else
#define LMH_ASSERT(cond) ((void)sizeof(!(cond)))
#endif
