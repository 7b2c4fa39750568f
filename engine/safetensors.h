// The safetensors reader: an 8-byte little-endian header length, a JSON tensor table, then
// the data section. It fills a TensorFile (tensor_file.h), which is what the engine holds.
#pragma once

#include <filesystem>

#include "engine/tensor_file.h"

namespace lmh {

struct SafetensorsFile {
    // Throws lmh::Error naming the file (and tensor) on any structural problem.
    static TensorFile open(const std::filesystem::path& path);
};

}  // namespace lmh
