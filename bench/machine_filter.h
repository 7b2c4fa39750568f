// Keeping history records of one machine: `compare --db` and `history` take, by default,
// only records whose fingerprint matches (bench/fingerprint.h), so a history that mixes
// a CI runner and a laptop never reads as a step change.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "bench/fingerprint.h"
#include "bench/history_db.h"

namespace lmh::bench {

struct MachineFiltered {
    std::vector<StoredRecord> kept;
    MachineFingerprint reference;                 // what "same" matched against
    std::map<std::string, std::size_t> left_out;  // fingerprint id -> records left out
};

// `reference`: the machine "same" means (the new results file's, or for history the newest
// record's when null).
MachineFiltered filter_by_machine(std::vector<StoredRecord> records, const MachineSelector& selector,
                                  const MachineFingerprint* reference);
// "history: 12 records of 1 other machine left out (ids 3fa2...: 12); --machine any includes them"; empty when none.
std::string left_out_note(const MachineFiltered& f, const std::string& command);

}  // namespace lmh::bench
