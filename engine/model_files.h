// Where a model's files are: `-m` names a Hugging Face model directory (config.json,
// model.safetensors, tokenizer.json, ...), a .gguf file, or a directory holding one .gguf
// (and no model.safetensors). The side files (tokenizer.json, tokenizer_config.json) are
// read from `dir` either way: beside the .gguf.
#pragma once

#include <filesystem>

namespace lmh {

struct ModelFiles {
    std::filesystem::path dir;      // the side files' folder
    std::filesystem::path weights;  // model.safetensors or the .gguf
    bool gguf = false;
};

// Throws lmh::Error when the path is neither, or a directory holds several .gguf files.
ModelFiles locate_model(const std::filesystem::path& path);

}  // namespace lmh
