// Provenance of a run: commit and dirty flag, build type, compiler and flags, CPU model
// and flags, core count, memory, date; bench/fingerprint.h derives the machine fingerprint
// from these fields. Stored in every verify report and benchmark record so a
// number can be traced back to what produced it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lmh {

nlohmann::json provenance_json();
std::string utc_now_iso8601();
// A commit as reports show it: the first 10 hex digits, "+dirty" when the tree had changes.
std::string short_commit(const std::string& commit, bool dirty);

}  // namespace lmh
