#include "bench/machine_filter.h"

namespace lmh::bench {

MachineFiltered filter_by_machine(std::vector<StoredRecord> records, const MachineSelector& selector,
                                  const MachineFingerprint* reference) {
    MachineFiltered out;
    if (reference) out.reference = *reference;
    else if (!records.empty()) out.reference = fingerprint_from_provenance(records.back().provenance);
    for (auto& r : records) {
        const MachineFingerprint fp = fingerprint_from_provenance(r.provenance);
        if (selector.matches(fp, out.reference)) out.kept.push_back(std::move(r));
        else ++out.left_out[fp.id()];
    }
    return out;
}

std::string left_out_note(const MachineFiltered& f, const std::string& command) {
    if (f.left_out.empty()) return "";
    std::size_t n = 0;
    std::string ids;
    for (const auto& [id, count] : f.left_out) {
        n += count;
        ids += (ids.empty() ? "" : ", ") + id + ": " + std::to_string(count);
    }
    return command + ": " + std::to_string(n) + " record(s) of " + std::to_string(f.left_out.size()) +
           " other machine(s) left out (" + ids + "); this machine is " + f.reference.id() + " (" + f.reference.describe() +
           "); --machine any|ID selects others\n";
}

}  // namespace lmh::bench
