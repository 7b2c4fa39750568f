// `history --plot PNG`: draws a history (the JSON of bench::query_history) with
// scripts/plot-results.py, run as a child process. Throws lmh::Error when it cannot run or fails.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lmh::app {

void plot_history(const nlohmann::json& history, const std::string& png);

}  // namespace lmh::app
