#include "bench/fingerprint.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <span>
#include <sstream>

#include "util/provenance.h"
#include "util/error.h"
#include "util/sha256.h"

namespace lmh::bench {
namespace {

std::string text_field(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : " ") + x;
    return s;
}

}  // namespace

const std::vector<std::string>& fingerprint_cpu_flags() {
    static const std::vector<std::string> flags{"avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq"};
    return flags;
}

MachineFingerprint fingerprint_from_provenance(const nlohmann::json& prov) {
    MachineFingerprint f;
    if (!prov.is_object()) return f;
    f.cpu_model = text_field(prov, "cpu_model");
    std::set<std::string> present;
    std::istringstream in(text_field(prov, "cpu_flags"));
    for (std::string flag; in >> flag;) present.insert(flag);
    for (const auto& flag : fingerprint_cpu_flags())
        if (present.count(flag)) f.cpu_flags.push_back(flag);
    if (const auto it = prov.find("cores"); it != prov.end() && it->is_number_integer()) f.cores = it->get<int>();
    if (const auto it = prov.find("memory_bytes"); it != prov.end() && it->is_number() && it->get<double>() > 0)
        f.memory_gib = static_cast<int>(std::lround(it->get<double>() / (1024.0 * 1024.0 * 1024.0)));
    f.compiler = text_field(prov, "compiler");
    f.build_type = text_field(prov, "build_type");
    return f;
}

MachineFingerprint current_fingerprint() { return fingerprint_from_provenance(provenance_json()); }

std::string MachineFingerprint::id() const {
    const std::string canon = cpu_model + "\n" + join(cpu_flags) + "\n" + std::to_string(cores) + "\n" +
                              (memory_gib ? std::to_string(*memory_gib) : "?") + "\n" + compiler + "\n" + build_type;
    return sha256_hex(std::as_bytes(std::span<const char>(canon.data(), canon.size()))).substr(0, 12);
}

std::string MachineFingerprint::describe() const {
    if (!known()) return "unknown machine (no CPU model in the provenance)";
    std::string s = cpu_model + ", " + std::to_string(cores) + " cores";
    if (memory_gib) s += ", " + std::to_string(*memory_gib) + " GiB";
    s += ", " + (cpu_flags.empty() ? std::string("no AVX2") : join(cpu_flags));
    if (!compiler.empty()) s += ", " + compiler;
    if (!build_type.empty()) s += " " + build_type;
    return s;
}

nlohmann::json MachineFingerprint::to_json() const {
    return {{"id", id()},
            {"cpu_model", cpu_model},
            {"cpu_flags", cpu_flags},
            {"cores", cores},
            {"memory_gib", memory_gib ? nlohmann::json(*memory_gib) : nlohmann::json()},
            {"compiler", compiler},
            {"build_type", build_type}};
}

std::vector<std::string> fingerprint_differences(const MachineFingerprint& a, const MachineFingerprint& b) {
    std::vector<std::string> d;
    auto text = [&](const char* what, const std::string& x, const std::string& y) {
        if (!x.empty() && !y.empty() && x != y) d.push_back(std::string(what) + " '" + x + "' vs '" + y + "'");
    };
    text("CPU model", a.cpu_model, b.cpu_model);
    if (a.known() && b.known()) {
        std::vector<std::string> only_a, only_b;
        for (const auto& f : a.cpu_flags)
            if (std::find(b.cpu_flags.begin(), b.cpu_flags.end(), f) == b.cpu_flags.end()) only_a.push_back(f);
        for (const auto& f : b.cpu_flags)
            if (std::find(a.cpu_flags.begin(), a.cpu_flags.end(), f) == a.cpu_flags.end()) only_b.push_back(f);
        if (!only_a.empty()) d.push_back("CPU flags " + join(only_a) + " only in BASE");
        if (!only_b.empty()) d.push_back("CPU flags " + join(only_b) + " only in NEW");
    }
    if (a.cores > 0 && b.cores > 0 && a.cores != b.cores)
        d.push_back("cores " + std::to_string(a.cores) + " vs " + std::to_string(b.cores));
    if (a.memory_gib && b.memory_gib && *a.memory_gib != *b.memory_gib)
        d.push_back("memory " + std::to_string(*a.memory_gib) + " vs " + std::to_string(*b.memory_gib) + " GiB");
    text("compiler", a.compiler, b.compiler);
    text("build type", a.build_type, b.build_type);
    return d;
}

bool MachineSelector::matches(const MachineFingerprint& candidate, const MachineFingerprint& reference) const {
    if (value == "any") return true;
    if (value == "same") return fingerprint_differences(reference, candidate).empty();
    return candidate.id().rfind(value, 0) == 0;
}

MachineSelector parse_machine_selector(const std::string& text) {
    const bool hex = !text.empty() && text.size() <= 12 &&
                     std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isxdigit(c) && !std::isupper(c); });
    if (text != "same" && text != "any" && !hex)
        throw Error("--machine: expected 'same', 'any' or a machine fingerprint id (up to 12 lowercase hex digits), got '" +
                    text + "'");
    return MachineSelector{text};
}

}  // namespace lmh::bench
