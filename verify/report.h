// Printers for verify's results: the compact table, failure details, per-tensor tables,
// and the JSON report.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "verify/verifier.h"

namespace lmh::verify {

std::string summary_table(const std::vector<RunReport>& runs);
// "where it broke": the first local and accumulated failures of a failing run.
std::string failure_details(const RunReport& run);
// One row per tensor (worst over prompts): local NMSE, accumulated NMSE, budget, verdict.
std::string tensor_table(const RunReport& run);
std::string kld_block(const RunReport& run);
nlohmann::json to_json(const RunReport& run);

}  // namespace lmh::verify
