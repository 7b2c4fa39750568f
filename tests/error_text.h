// The message of the lmh::Error that f() throws, or "" when it throws none: tests assert on
// the one-line errors users see. One definition for every test file, so a unity build
// (LMH_UNITY) never has two helpers of this name to choose from.
#pragma once

#include <string>

#include "util/error.h"

namespace lmh::test {

template <class F>
std::string error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace lmh::test
