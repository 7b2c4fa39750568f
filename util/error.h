// lmh::Error: the one exception type for bad input (files, shapes, ids, options). Its
// message is a single line meant for the user: which file, which tensor or field, what was
// expected and what was found. The CLI prints it on stderr and exits non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace lmh {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace lmh
