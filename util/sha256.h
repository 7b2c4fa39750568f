// SHA-256 (FIPS 180-4) of files and byte buffers, as lowercase hex. Self-contained so model
// and checkpoint hashes need no crypto library; speed is secondary (about 120 MB/s:
// a second for a 131 MB checkpoint).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace lmh {

// Incremental hasher, for data that arrives in pieces (files, streamed checkpoints).
class Sha256 {
public:
    Sha256();
    void update(std::span<const std::byte> data);
    // Finishes the hash and returns 64 lowercase hex digits; the object is spent afterwards.
    std::string hex_digest();

private:
    void compress(const std::uint8_t* block);
    std::array<std::uint32_t, 8> state_;
    std::array<std::uint8_t, 64> buffer_{};
    std::size_t buffered_ = 0;
    std::uint64_t total_bytes_ = 0;
};

std::string sha256_hex(std::span<const std::byte> data);
// Throws lmh::Error naming the file if it cannot be opened or read.
std::string sha256_file(const std::filesystem::path& path);

}  // namespace lmh
