// Helpers shared by the tokenizer tests (tokenizer_test.cpp, bpe_tokenizer_test.cpp).
#pragma once

#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/tokenizer.h"
#include "util/utf8.h"

namespace lmh::test {

inline std::vector<int> ids_of(const nlohmann::json& j) { return j.get<std::vector<int>>(); }

// Decodes through StreamDecoder one id at a time; every pushed piece must be valid UTF-8
// (a character is never split between pushes).
inline std::string stream_decode(const Tokenizer& tok, const std::vector<int>& ids, bool skip_special) {
    StreamDecoder stream(tok, skip_special);
    std::string text;
    for (const int id : ids) {
        const std::string piece = stream.push(id);
        EXPECT_TRUE(utf8::is_valid(piece)) << "a pushed piece splits a UTF-8 character";
        text += piece;
    }
    return text + stream.flush();
}

}  // namespace lmh::test
