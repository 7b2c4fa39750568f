# Sourced by the build scripts. When ccache is installed, CMake builds go through it, with
# paths taken relative to the checkout, so that builds of the same file with the same flags
# in different build folders compile once: the mutants build (scripts/mutants.sh) differs
# from the Release build only in the kernels library, and reuses every other object. It
# also makes a rebuild after `git checkout` cheap. Without ccache nothing changes.
#   cmake -B DIR "${cmake_launcher[@]}" ...
cmake_launcher=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=true
  cmake_launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# Warnings are errors in CI (CI=true) for the Release build and builds that share its objects.
werror=OFF
if [[ "${CI:-}" == "true" ]]; then werror=ON; fi
# Unity builds (CMakeLists.txt, LMH_UNITY): the Release build and the mutants build must agree,
# so that the mutants build still shares every object outside kernels/ through the cache.
# A clean Release build on 2 cores (Zen 1, no cache) took 316 s unity against 561 s file by
# file. LMH_UNITY=OFF in the environment gives file-by-file builds (cheaper single-file edits).
unity=(-DLMH_UNITY="${LMH_UNITY:-ON}")
