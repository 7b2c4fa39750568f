// Provenance of a run: commit and dirty flag, build type, compiler and flags, CPU model
// and flags, core count, memory, date, and the machine fingerprint derived from them
// (bench/fingerprint.h). Stored in every verify report and benchmark record so a
// number can be traced back to what produced it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lmh::bench {

nlohmann::json provenance_json();
std::string utc_now_iso8601();

}  // namespace lmh::bench
