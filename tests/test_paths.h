// Where tests find models: the project's models/ (made by scripts/fetch-models.sh), else
// the shared folder beside the checkout.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

namespace lmh::test {

inline std::filesystem::path model_dir(const std::string& name) {
    const std::filesystem::path local = std::filesystem::path(LMH_SOURCE_DIR) / "models" / name;
    if (std::filesystem::exists(local / "config.json")) return local;
    return std::filesystem::path(LMH_SOURCE_DIR) / ".." / "shared" / "models" / name;
}

inline std::filesystem::path source_dir() { return LMH_SOURCE_DIR; }

// A fresh, empty directory under the system temp dir, removed by the caller's fixture.
inline std::filesystem::path temp_dir(const std::string& tag) {
    auto p = std::filesystem::temp_directory_path() / ("lmh_test_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
    return p;
}

}  // namespace lmh::test
