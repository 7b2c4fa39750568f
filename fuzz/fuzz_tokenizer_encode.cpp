// Fuzz target: encode() of arbitrary bytes with the real story and chat tokenizers (and the
// byte-level BPE ones, llama3 and qwen3, when their files are present), then decode() of the
// result, and decode() of arbitrary ids.
// Contracts (tokenizer.h): encode never throws — invalid UTF-8 becomes U+FFFD per maximal
// subpart — and yields ids in [0, vocab); decode of those ids succeeds and is valid UTF-8;
// StreamDecoder's pushes + flush concatenate to decode(ids, skip_special); decode of an
// arbitrary id either succeeds or throws lmh::Error. Byte-level tokenizers lose nothing:
// decode(encode(text)) is the repaired text itself (llama3) or canonically equivalent to
// it (qwen3, which normalizes to NFC).
// Input: byte 0 chooses the mode (bit 0: add_special, bit 1: bytes are ids), the rest is text.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.h"
#include "engine/tokenizer.h"
#include "engine/unicode_nfc.h"
#include "util/utf8.h"

namespace {

struct Loaded {
    lmh::Tokenizer tok;
    enum class Lossless { No, Exact, Nfc } lossless;
};
std::vector<Loaded>* g_tokenizers = nullptr;

std::filesystem::path model_dir(const std::string& name) {
    const std::filesystem::path local = std::filesystem::path(LMH_SOURCE_DIR) / "models" / name;
    if (std::filesystem::exists(local / "tokenizer.json")) return local;
    const std::filesystem::path shared = std::filesystem::path(LMH_SOURCE_DIR) / ".." / "shared" / "models";
    if (std::filesystem::exists(shared / (name + "-tokenizer") / "tokenizer.json")) return shared / (name + "-tokenizer");
    return shared / name;
}

void check_round_trip(const Loaded& loaded, std::string_view text, bool add_special) {
    const lmh::Tokenizer& tok = loaded.tok;
    const std::vector<int> ids = tok.encode(text, add_special);  // must not throw
    for (int id : ids)
        if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
    for (bool skip : {false, true}) {
        const std::string decoded = tok.decode(ids, skip);  // ids came from encode: must not throw
        if (!lmh::utf8::is_valid(decoded)) __builtin_trap();
        lmh::StreamDecoder stream(tok, skip);
        std::string streamed;
        for (int id : ids) streamed += stream.push(id);
        streamed += stream.flush();
        if (streamed != decoded) __builtin_trap();
        if (loaded.lossless != Loaded::Lossless::No && !skip) {
            const std::string repaired = lmh::utf8::to_valid_lossy(text);
            // Qwen3 normalizes each piece between added tokens; NFC of the whole is the same
            // up to canonical equivalence, hence NFC on both sides.
            const bool same = loaded.lossless == Loaded::Lossless::Nfc
                                  ? lmh::unicode::nfc(decoded) == lmh::unicode::nfc(repaired)
                                  : decoded == repaired;
            if (!same) __builtin_trap();
        }
    }
}

void check_arbitrary_ids(const lmh::Tokenizer& tok, const std::uint8_t* data, std::size_t size) {
    std::vector<int> ids;
    for (std::size_t i = 0; i + 2 <= size; i += 2)
        ids.push_back(static_cast<int>(data[i] | (data[i + 1] << 8)) % (tok.vocab_size() + 8) - 4);
    try {
        (void)tok.decode(ids, false);
    } catch (const lmh::Error&) {
    }
    try {
        lmh::StreamDecoder stream(tok, true);
        for (int id : ids) (void)stream.push(id);
        (void)stream.flush();
    } catch (const lmh::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    g_tokenizers = new std::vector<Loaded>;
    for (const char* name : {"story", "chat"}) {
        try {
            g_tokenizers->push_back({lmh::Tokenizer::load(model_dir(name) / "tokenizer.json"), Loaded::Lossless::No});
        } catch (const lmh::Error& e) {
            std::fprintf(stderr, "fuzz_tokenizer_encode: %s (run scripts/fetch-models.sh)\n", e.what());
            std::abort();
        }
    }
    // Byte-level BPE: optional, so the target still runs where only story and chat exist.
    for (const auto& [name, lossless] : {std::pair{"llama3", Loaded::Lossless::Exact}, std::pair{"qwen3", Loaded::Lossless::Nfc}}) {
        const auto file = model_dir(name) / "tokenizer.json";
        if (!std::filesystem::exists(file)) {
            std::fprintf(stderr, "fuzz_tokenizer_encode: %s absent, not fuzzed\n", name);
            continue;
        }
        g_tokenizers->push_back({lmh::Tokenizer::load(file), lossless});
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::uint8_t mode = data[0];
    const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
    for (const auto& loaded : *g_tokenizers) {
        if (mode & 2)
            check_arbitrary_ids(loaded.tok, data + 1, size - 1);
        else
            check_round_trip(loaded, text, mode & 1);
    }
    return 0;
}
