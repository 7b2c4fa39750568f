// Which machine a result came from. Benchmark numbers from two machines compare the machines,
// not the code (an Intel Xeon with AVX-512 against an AMD EPYC without it shows every decode
// metric "+127%"), so compare, history and the report match records by this fingerprint:
// CPU model, the CPU flags the kernels are built for, cores, memory, compiler, build type.
// It is derived from a results file's provenance, so files written before fingerprints
// existed get one too (without the memory size, which they did not record).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmh::bench {

// The flags whose presence changes which kernels can run (kernels/registry.cpp's CPU checks
// and the -m options of the *_avx512.cpp files); the rest of /proc/cpuinfo's list does not
// change a result and differs between hypervisors of one machine type.
const std::vector<std::string>& fingerprint_cpu_flags();

struct MachineFingerprint {
    std::string cpu_model;
    std::vector<std::string> cpu_flags;  // the subset of fingerprint_cpu_flags() present, in that order
    int cores = 0;
    std::optional<int> memory_gib;       // rounded; absent in files made before it was recorded
    std::string compiler, build_type;

    bool known() const { return !cpu_model.empty(); }
    // 12 hex digits of the sha256 of the fields above: short enough for --machine and tables.
    std::string id() const;
    // "AMD EPYC, 2 cores, 24 GiB, avx2 fma f16c, g++/clang 12.2.0 Release"
    std::string describe() const;
    nlohmann::json to_json() const;
};

// From a provenance object (util/provenance.h); missing or mistyped fields stay empty.
MachineFingerprint fingerprint_from_provenance(const nlohmann::json& provenance);
// This machine and this build.
MachineFingerprint current_fingerprint();

// The fields in which two fingerprints differ, one readable phrase each ("CPU model 'Intel(R)
// Xeon(R) Processor' vs 'AMD EPYC'", "CPU flags avx512f avx512bw only in BASE"); a field
// unknown on either side is not a difference. Empty: the same machine as far as both know.
std::vector<std::string> fingerprint_differences(const MachineFingerprint& base, const MachineFingerprint& neu);

// What a --machine option selects: "same" (the reference fingerprint's machine), "any", or
// a fingerprint id (or a prefix of one).
struct MachineSelector {
    std::string value = "same";
    bool matches(const MachineFingerprint& candidate, const MachineFingerprint& reference) const;
};
// Validates a --machine value; throws lmh::Error naming the option.
MachineSelector parse_machine_selector(const std::string& text);

}  // namespace lmh::bench
