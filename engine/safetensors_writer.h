// SafetensorsWriter: writes a .safetensors file (F32, BF16 or F16 tensors) tensor by tensor,
// so a checkpoint is streamed to disk instead of being assembled in memory.
//
// Format: 8-byte little-endian header length N, N bytes of JSON header padded with spaces
// so the data starts 8-byte aligned, then the tensors' bytes back to back. The header is
// deterministic (keys sorted, no timestamps), so equal tensors give byte-identical files.
// The file appears atomically: data goes to "<out>.tmp", is fsynced, then renamed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "engine/safetensors.h"

namespace lmh {

struct SafetensorsEntry {
    std::string name;
    std::vector<std::int64_t> shape;
    DType dtype = DType::F32;
    std::int64_t elements() const;
};

class SafetensorsWriter {
public:
    // Writes the header at once; data is then appended with write() for each tensor in
    // sorted name order (the order of the file). Throws lmh::Error on duplicate names,
    // negative dimensions or I/O errors, naming the file.
    SafetensorsWriter(std::filesystem::path out, std::vector<SafetensorsEntry> tensors,
                      const std::map<std::string, std::string>& metadata);
    SafetensorsWriter(const SafetensorsWriter&) = delete;
    SafetensorsWriter& operator=(const SafetensorsWriter&) = delete;
    // Removes the temporary file if finish() was not reached (an error mid-way leaves no
    // half-written checkpoint behind).
    ~SafetensorsWriter();

    // The tensors in file order, i.e. sorted by name.
    const std::vector<SafetensorsEntry>& tensors() const { return tensors_; }
    // Appends values to the tensor being written; a tensor may arrive in several pieces.
    // Throws if more values are given than the tensors hold, or if the tensor being
    // written does not have the values' width (f32 for F32; 16-bit patterns for BF16/F16).
    void write(std::span<const float> values);
    void write(std::span<const std::uint16_t> bits);
    // Checks that every tensor is complete, fsyncs, renames into place and fsyncs the
    // directory.
    void finish();

    std::uint64_t header_bytes() const { return header_bytes_; }  // 8 + N
    std::uint64_t data_bytes() const { return data_bytes_; }

private:
    void write_raw(const void* data, std::size_t size);
    void check_width(std::size_t width) const;
    template <class T>
    void write_little_endian(std::span<const T> values);
    std::filesystem::path out_;
    std::filesystem::path tmp_;
    std::vector<SafetensorsEntry> tensors_;
    int fd_ = -1;
    std::uint64_t header_bytes_ = 0;
    std::uint64_t data_bytes_ = 0;
    std::uint64_t written_ = 0;  // data bytes written so far
    bool finished_ = false;
};

}  // namespace lmh
