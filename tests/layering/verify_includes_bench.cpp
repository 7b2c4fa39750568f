// Must NOT compile: verify/ sits beside bench/, not above it, so bench headers are not on a
// verify source's include path (CMakeLists.txt, lmh_layer; test LayeringIsEnforced).
#include "verify/verifier.h"
#include "bench/stats.h"
