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
// Where a tensor's worst element is: "prompt 'p' position 3, element 17: got X, reference Y"
// (or its non-finite count), for the local or the accumulated comparison.
std::string failure_location(const TensorCheck& tensor, bool local);
// One row per tensor (worst over prompts): local NMSE, accumulated NMSE, budget, verdict.
std::string tensor_table(const RunReport& run);
std::string kld_block(const RunReport& run);
// One line for verify --batch: NMSE against solo, bitwise or not, greedy tokens.
std::string batch_summary(const BatchCheck& batch);
nlohmann::json to_json(const RunReport& run);

}  // namespace lmh::verify
