// SHA-256 against the FIPS 180-4 / NIST CAVP example vectors.
#include "util/sha256.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "util/error.h"

namespace {

std::string hash_text(const std::string& s) { return lmh::sha256_hex(std::as_bytes(std::span(s.data(), s.size()))); }

TEST(Sha256, StandardVectors) {
    EXPECT_EQ(hash_text(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(hash_text("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(hash_text("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    EXPECT_EQ(hash_text(std::string(1000000, 'a')),
              "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PieceByPieceEqualsWhole) {
    // Lengths around the 55/56/64-byte padding boundaries, fed in uneven pieces.
    for (std::size_t len : {0u, 1u, 55u, 56u, 63u, 64u, 65u, 119u, 120u, 1000u}) {
        std::string s(len, '\0');
        for (std::size_t i = 0; i < len; ++i) s[i] = static_cast<char>(i * 7 + 3);
        lmh::Sha256 h;
        for (std::size_t i = 0; i < len;) {
            const std::size_t n = std::min<std::size_t>(len - i, 1 + i % 13);
            h.update(std::as_bytes(std::span(s.data() + i, n)));
            i += n;
        }
        EXPECT_EQ(h.hex_digest(), hash_text(s)) << "length " << len;
    }
}

TEST(Sha256, FileMatchesBuffer) {
    const auto path = std::filesystem::temp_directory_path() / "lmh_sha256_test.bin";
    const std::string content(3 << 20 | 17, 'x');  // spans several 1 MiB read chunks
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(lmh::sha256_file(path), hash_text(content));
    std::filesystem::remove(path);
    EXPECT_THROW(lmh::sha256_file(path), lmh::Error);
}

}  // namespace
