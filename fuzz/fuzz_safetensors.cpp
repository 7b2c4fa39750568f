// Fuzz target: SafetensorsFile::open — the 8-byte header length, the JSON tensor table and
// every entry's dtype/shape/byte-range checks — then reading every tensor it accepted.
// Contract: any input either opens (and then every tensor is readable within the file) or
// throws lmh::Error.
#include <cstdint>

#include "util/error.h"
#include "engine/safetensors.h"
#include "fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lmh::fuzz::FuzzInputFile file("fuzz_safetensors");
    try {
        const auto st = lmh::SafetensorsFile::open(file.write(data, size));
        for (const auto& t : st.tensors()) {
            if (st.find(t.name) == nullptr) __builtin_trap();
            const auto values = st.to_f32(t);
            if (static_cast<std::int64_t>(values.size()) != t.elements()) __builtin_trap();
        }
    } catch (const lmh::Error&) {
    }
    return 0;
}
