// The mutant catalogue and the one read of LMH_MUTANT (kernels/mutants.h).
#include "kernels/mutants.h"

#include <cstdlib>

namespace lmh::kernels::mutants {
namespace {

constexpr Mutant kCatalogue[] = {
#define LMH_MUTANT_ROW(id, name, op, variant, kernels, kind, description) \
    {Id::id, name, op, variant, kernels, kind, description},
    LMH_MUTANT_CATALOGUE(LMH_MUTANT_ROW)
#undef LMH_MUTANT_ROW
};

std::string_view env_value() {
    static const char* const value = std::getenv("LMH_MUTANT");
    return value ? std::string_view(value) : std::string_view();
}

Id lookup(std::string_view name) {
    for (const Mutant& m : kCatalogue)
        if (m.name == name) return m.id;
    return Id::none;
}

}  // namespace

std::span<const Mutant> catalogue() { return kCatalogue; }

bool compiled_in() {
#ifdef LMH_MUTANTS
    return true;
#else
    return false;
#endif
}

Id active() {
    // Read once: the hooks sit in hot loops, and the value must not change under a run.
    static const Id id = compiled_in() ? lookup(env_value()) : Id::none;
    return id;
}

std::string_view active_name() { return active() == Id::none ? std::string_view() : env_value(); }

std::string environment_error() {
    const std::string_view v = env_value();
    if (v.empty()) return {};
    if (!compiled_in())
        return "LMH_MUTANT=" + std::string(v) + " is set but this binary was built without -DLMH_MUTANTS=ON";
    if (lookup(v) == Id::none)
        return "LMH_MUTANT: unknown mutant '" + std::string(v) + "' (list them with `lmharness kernels --mutants`)";
    return {};
}

}  // namespace lmh::kernels::mutants
