// Fuzz target: ModelConfig::from_json_text (config.json). Contract: lmh::Error or a config
// whose derived sizes respect the documented bounds.
#include <cstdint>
#include <string>

#include "engine/config.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto c = lmh::ModelConfig::from_json_text(std::string(reinterpret_cast<const char*>(data), size), "fuzz");
        // What later allocation code relies on (config.cpp's limits).
        if (c.hidden <= 0 || c.n_layers <= 0 || c.n_heads <= 0 || c.n_kv_heads <= 0 || c.vocab <= 0 ||
            c.max_positions <= 0 || c.head_dim <= 0 || c.head_dim % 2 != 0 || c.n_heads % c.n_kv_heads != 0)
            __builtin_trap();
        for (int id : c.eos_ids)
            if (id < 0 || id >= c.vocab) __builtin_trap();
    } catch (const lmh::Error&) {
    }
    return 0;
}
