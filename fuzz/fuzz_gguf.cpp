// Fuzz target: the GGUF reader — parse_gguf (header, metadata of every type and arrays,
// tensor table, alignment, data offset) and load_gguf_model (llama.* metadata, tensor
// names, the q/k row un-permutation) — then reading every tensor it accepted.
// Contract: any input either loads (and every tensor is readable within the file) or
// throws lmh::Error.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include <unistd.h>

#include "engine/gguf.h"
#include "engine/gguf_model.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // The model reader wants a tokenizer.json beside the file; /proc/self/fd/ has none, so the
    // input is written into a private folder that holds an (unread) one.
    static const std::filesystem::path dir = [] {
        auto d = std::filesystem::temp_directory_path() / ("lmh_fuzz_gguf_" + std::to_string(::getpid()));
        std::filesystem::create_directories(d);
        std::ofstream(d / "tokenizer.json") << "{}";
        return d;
    }();
    try {
        const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(data), size);
        (void)lmh::parse_gguf(bytes, "input");
        const auto model_path = dir / "m.gguf";
        {
            std::ofstream out(model_path, std::ios::binary | std::ios::trunc);
            out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
        }
        const auto m = lmh::load_gguf_model(model_path);
        for (const auto& t : m.tensors.tensors()) {
            if (m.tensors.find(t.name) == nullptr) __builtin_trap();
            if (t.elements() > (1 << 22)) continue;  // a valid but big tensor: its bounds were checked
            const auto values = m.tensors.to_f32(t);
            if (static_cast<std::int64_t>(values.size()) != t.elements()) __builtin_trap();
        }
    } catch (const lmh::Error&) {
    }
    return 0;
}
