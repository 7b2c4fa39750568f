// Fuzz target: Tokenizer::load (tokenizer.json: BPE model, normalizer, added tokens,
// post-processor, decoder). A file that loads is then exercised: encode a few fixed
// strings and decode them back, plus every id once. Contract: lmh::Error or success.
#include <cstdint>
#include <vector>

#include "util/error.h"
#include "engine/tokenizer.h"
#include "fuzz/fuzz_input_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static lmh::fuzz::FuzzInputFile file("fuzz_tokenizer_load");
    try {
        const auto tok = lmh::Tokenizer::load(file.write(data, size));
        for (const char* text : {"", "a", "Hello world", " <s>x</s> \xE2\x96\x81\xF0\x9F\x98\x80", "\xFF\xC3"}) {
            const auto ids = tok.encode(text, true);
            (void)tok.decode(ids, false);
            (void)tok.decode(ids, true);
            lmh::StreamDecoder stream(tok, true);
            for (int id : ids) (void)stream.push(id);
            (void)stream.flush();
        }
        for (int id = -1; id <= tok.vocab_size() && id < 4096; ++id) {
            (void)tok.id_to_token(id);
            (void)tok.is_special(id);
        }
    } catch (const lmh::Error&) {
    }
    return 0;
}
