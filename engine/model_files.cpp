#include "engine/model_files.h"

#include <string>
#include <vector>

#include "util/error.h"

namespace lmh {

ModelFiles locate_model(const std::filesystem::path& path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::is_regular_file(path, ec) && path.extension() == ".gguf") return {path.parent_path(), path, true};
    if (!fs::is_directory(path, ec)) throw Error("model directory not found: " + path.string());
    if (fs::exists(path / "model.safetensors", ec)) return {path, path / "model.safetensors", false};
    std::vector<fs::path> ggufs;
    for (const auto& e : fs::directory_iterator(path, ec))
        if (e.path().extension() == ".gguf") ggufs.push_back(e.path());
    if (ggufs.size() == 1) return {path, ggufs[0], true};
    if (ggufs.size() > 1)
        throw Error(path.string() + " holds " + std::to_string(ggufs.size()) + " .gguf files and no model.safetensors: name the .gguf file");
    // No weights here: the config is read first, so a missing config.json is what gets reported.
    return {path, path / "model.safetensors", false};
}

}  // namespace lmh
