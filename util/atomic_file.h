// Atomic file replacement: write to a temporary file in the same directory, flush it to
// disk, then rename over the target. A reader (or an interrupted run) sees the old file or
// the new one, never a torn one.
#pragma once

#include <filesystem>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

namespace lmh {

// Throws lmh::Error naming the file on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// A JSON result file as every command writes one: indented by one space, a final newline.
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& j);

}  // namespace lmh
