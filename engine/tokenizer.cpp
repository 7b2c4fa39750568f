// Tokenizer: loading tokenizer.json, added-token splitting, normalization, the
// post-processor template and id <-> token bookkeeping. The BPE merge loop lives in
// bpe.cpp and the decoder chain in token_decoder.cpp.
//
// Encoding order (tokenizers' AddedVocabulary::extract_and_normalize):
//   1. split the raw text on added tokens with normalized=false;
//   2. normalize each remaining piece on its own (so each gets its own Prepend "▁");
//   3. split those on added tokens with normalized=true, whose patterns are the
//      *normalized* token contents (story: "▁<|end_story|>", which therefore only matches
//      at the start of a piece or after a space — exactly as HF does);
//   4. run BPE on each remaining piece (no pre-tokenizer: a piece is one word).
#include "engine/tokenizer.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "engine/bpe.h"
#include "engine/pretokenizer.h"
#include "engine/token_decoder.h"
#include "engine/tokenizer_json.h"
#include "engine/unicode_nfc.h"
#include "util/error.h"
#include "util/utf8.h"

namespace lmh {

namespace {

using nlohmann::json;

using tokenizer_json::fail;

struct NormalizerStep {
    enum class Kind { Prepend, Replace, Nfc } kind;
    std::string a, b;  // Prepend: a = prefix. Replace: a -> b.
};

// One normalizer other than a Sequence; false: a type the engine does not implement.
bool parse_normalizer(const json& j, const std::string& type, const std::string& where, const std::string& field,
                      std::vector<NormalizerStep>& out) {
    using tokenizer_json::string_field;
    if (type == "Prepend") {
        out.push_back({NormalizerStep::Kind::Prepend, string_field(j, "prepend", where, field), {}});
    } else if (type == "NFC") {
        out.push_back({NormalizerStep::Kind::Nfc, {}, {}});
    } else if (type == "Replace") {
        const json pattern = j.value("pattern", json());
        if (!pattern.is_object() || !pattern.contains("String"))
            fail(where, field + ".pattern", "only {\"String\": ...} patterns are supported");
        NormalizerStep s{NormalizerStep::Kind::Replace, string_field(pattern, "String", where, field + ".pattern"),
                         string_field(j, "content", where, field)};
        if (s.a.empty()) fail(where, field + ".pattern.String", "empty pattern");
        out.push_back(std::move(s));
    } else {
        return false;
    }
    return true;
}

std::string normalize(const std::vector<NormalizerStep>& steps, std::string_view text) {
    std::string s(text);
    for (const auto& step : steps) {
        if (step.kind == NormalizerStep::Kind::Nfc) {
            s = unicode::nfc(s);
            continue;
        }
        if (step.kind == NormalizerStep::Kind::Prepend) {
            if (!s.empty()) s.insert(0, step.a);  // HF Prepend leaves an empty string empty
            continue;
        }
        std::string out;
        std::size_t pos = 0;
        for (std::size_t hit; (hit = s.find(step.a, pos)) != std::string::npos; pos = hit + step.a.size()) {
            out.append(s, pos, hit - pos);
            out.append(step.b);
        }
        out.append(s, pos);
        s = std::move(out);
    }
    return s;
}

struct AddedToken {
    int id = 0;
    std::string content;
    bool special = false, normalized = false, lstrip = false, rstrip = false, single_word = false;
};

// Leftmost-longest search over a small set of patterns (HF uses Aho-Corasick with
// MatchKind::LeftmostLongest). Candidates are bucketed by first byte, longest first.
class AddedMatcher {
public:
    struct Match {
        std::size_t begin, end;
        int token;  // index into Impl::added
    };
    void add(std::string pattern, int token) {
        if (pattern.empty()) return;
        auto& bucket = by_first_byte_[static_cast<unsigned char>(pattern[0])];
        bucket.push_back({std::move(pattern), token});
        // Stable: among equal lengths the earlier-added pattern wins, as in Aho-Corasick.
        std::stable_sort(bucket.begin(), bucket.end(),
                         [](const Pattern& x, const Pattern& y) { return x.text.size() > y.text.size(); });
        empty_ = false;
    }
    std::optional<Match> find(std::string_view s, std::size_t from) const {
        if (empty_) return std::nullopt;
        for (std::size_t i = from; i < s.size(); ++i) {
            for (const auto& p : by_first_byte_[static_cast<unsigned char>(s[i])])
                if (s.compare(i, p.text.size(), p.text) == 0) return Match{i, i + p.text.size(), p.token};
        }
        return std::nullopt;
    }

private:
    struct Pattern {
        std::string text;
        int token;
    };
    std::array<std::vector<Pattern>, 256> by_first_byte_;
    bool empty_ = true;
};

// Approximation of the regex \w used by HF for single_word (documented in tokenizer.h).
bool is_word_char(char32_t c) {
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    return !utf8::is_whitespace(c);
}

struct Piece {
    std::size_t begin, end;
    int id;  // -1: plain text still to tokenize
};

}  // namespace

struct Tokenizer::Impl {
    std::string where;  // file path, for error messages
    BpeModel model;
    PreTokenizer pre_tokenizer;
    std::vector<NormalizerStep> normalizer;
    std::vector<AddedToken> added;
    std::unordered_map<std::string, int> added_by_content;
    AddedMatcher raw_matcher, normalized_matcher;
    std::vector<int> template_before, template_after;
    TokenDecoder decoder;
    // Per id: the string handed to the decoder, whether the id exists, whether special.
    std::vector<std::string> decode_string;
    std::vector<bool> exists, special;
    int vocab_size = 0;

    // tokenizers' AddedVocabulary::find_matches, transcribed (lstrip/rstrip/single_word).
    std::vector<Piece> split_added(std::string_view s, const AddedMatcher& matcher) const {
        std::vector<Piece> pieces;
        if (s.empty()) return pieces;
        std::size_t start_offset = 0;
        for (std::size_t from = 0; auto m = matcher.find(s, from);) {
            from = m->end;
            const AddedToken& tok = added[static_cast<std::size_t>(m->token)];
            std::size_t start = m->begin, stop = m->end;
            if (tok.single_word) {
                const bool word_before = start > 0 && is_word_char(utf8::decode_at(s, utf8::previous_char_start(s, start)));
                const bool word_after = stop < s.size() && is_word_char(utf8::decode_at(s, stop));
                if (word_before || word_after) continue;
            }
            if (tok.lstrip) {
                std::size_t newstart = start;
                while (newstart > 0) {
                    const std::size_t p = utf8::previous_char_start(s, newstart);
                    if (!utf8::is_whitespace(utf8::decode_at(s, p))) break;
                    newstart = p;
                }
                start = std::max(newstart, start_offset);  // spaces already taken by a previous match
            }
            if (tok.rstrip) {
                while (stop < s.size() && utf8::is_whitespace(utf8::decode_at(s, stop)))
                    stop += utf8::char_length(static_cast<unsigned char>(s[stop]));
            }
            if (start > start_offset) pieces.push_back({start_offset, start, -1});
            pieces.push_back({start, stop, tok.id});
            start_offset = stop;
        }
        if (start_offset < s.size()) pieces.push_back({start_offset, s.size(), -1});
        return pieces;
    }

    void check_id(int id) const {
        if (id < 0 || id >= static_cast<int>(exists.size()) || !exists[static_cast<std::size_t>(id)])
            throw Error("tokenizer " + where + ": token id " + std::to_string(id) + " is out of range [0, " +
                        std::to_string(vocab_size) + ")");
    }
};

namespace {

void parse_added_tokens(const json& root, Tokenizer::Impl& impl) {
    const auto it = root.find("added_tokens");
    if (it == root.end() || it->is_null()) return;
    if (!it->is_array()) fail(impl.where, "added_tokens", "expected an array");
    std::vector<AddedToken> specials, others;
    for (std::size_t k = 0; k < it->size(); ++k) {
        const json& t = (*it)[k];
        const std::string field = "added_tokens[" + std::to_string(k) + "]";
        if (!t.is_object() || !t.contains("id") || !t["id"].is_number_unsigned() ||
            t["id"].get<std::uint64_t>() > BpeModel::kMaxId || !t.contains("content") ||
            !t["content"].is_string() || t["content"].get_ref<const std::string&>().empty())
            fail(impl.where, field, "expected {\"id\": integer in [0, " + std::to_string(BpeModel::kMaxId) +
                                        "], \"content\": non-empty string, ...}");
        AddedToken a;
        a.id = t["id"].get<int>();
        a.content = t["content"];
        const auto flag = [&](const char* key, bool dflt) {
            const json v = t.value(key, json(dflt));
            if (!v.is_boolean()) fail(impl.where, field + "." + key, "expected a boolean");
            return v.get<bool>();
        };
        a.special = flag("special", false);
        a.normalized = flag("normalized", !a.special);  // HF's default
        a.lstrip = flag("lstrip", false);
        a.rstrip = flag("rstrip", false);
        a.single_word = flag("single_word", false);
        if (const auto in_vocab = impl.model.token_to_id(a.content); in_vocab && *in_vocab != a.id)
            fail(impl.where, field + ".id", std::to_string(a.id) + " but model.vocab has " + json(a.content).dump() +
                                                " as " + std::to_string(*in_vocab));
        (a.special ? specials : others).push_back(std::move(a));
    }
    // HF registers special tokens first, then the others; the order breaks pattern ties.
    for (auto* list : {&specials, &others})
        for (auto& a : *list) {
            if (impl.added_by_content.contains(a.content)) continue;
            impl.added_by_content.emplace(a.content, a.id);
            impl.added.push_back(std::move(a));
        }
    for (std::size_t k = 0; k < impl.added.size(); ++k) {
        const AddedToken& a = impl.added[k];
        if (a.normalized)
            impl.normalized_matcher.add(normalize(impl.normalizer, a.content), static_cast<int>(k));
        else
            impl.raw_matcher.add(a.content, static_cast<int>(k));
    }
}

void parse_template(const json& p, const std::string& field, Tokenizer::Impl& impl) {
    if (!impl.template_before.empty() || !impl.template_after.empty())
        fail(impl.where, field, "more than one TemplateProcessing is not supported");
    const json single = p.value("single", json());
    const json specials = p.value("special_tokens", json::object());
    if (!single.is_array()) fail(impl.where, field + ".single", "missing or not an array");
    bool seen_sequence = false;
    for (std::size_t k = 0; k < single.size(); ++k) {
        const json& item = single[k];
        const std::string item_field = field + ".single[" + std::to_string(k) + "]";
        // {"Sequence": {"id": "A"}} / {"SpecialToken": {"id": name}}; anything else has no id.
        const auto id_of = [&](const char* key) { return item[key].is_object() ? item[key].value("id", json()) : json(); };
        if (item.contains("Sequence")) {
            if (id_of("Sequence") != "A" || seen_sequence)
                fail(impl.where, item_field, "the single template must contain sequence \"A\" exactly once");
            seen_sequence = true;
        } else if (item.contains("SpecialToken")) {
            const json name_id = id_of("SpecialToken");
            const std::string name = name_id.is_string() ? name_id.get<std::string>() : "";
            const json entry = specials.contains(name) ? specials[name] : json();
            if (!entry.is_object() || !entry.value("ids", json()).is_array())
                fail(impl.where, item_field, "special token " + json(name).dump() + " has no ids in " + field + ".special_tokens");
            for (const json& id : entry["ids"]) {
                if (!id.is_number_unsigned()) fail(impl.where, field + ".special_tokens." + name + ".ids", "expected integers");
                (seen_sequence ? impl.template_after : impl.template_before).push_back(id.get<int>());
            }
        } else {
            fail(impl.where, item_field, "expected a Sequence or SpecialToken item");
        }
    }
    if (!seen_sequence) fail(impl.where, field + ".single", "has no sequence \"A\"");
}

// TemplateProcessing adds ids; ByteLevel only trims offsets, which encode() does not report,
// so it changes no id; Sequence applies its processors in order.
void parse_post_processor_step(const json& p, const std::string& field, Tokenizer::Impl& impl) {
    const json type = p.is_object() ? p.value("type", json()) : json();
    if (type == "TemplateProcessing") {
        parse_template(p, field, impl);
    } else if (type == "ByteLevel") {
        // nothing to do for ids
    } else if (type == "Sequence" && p.value("processors", json()).is_array()) {
        const json& list = p["processors"];
        for (std::size_t k = 0; k < list.size(); ++k)
            parse_post_processor_step(list[k], field + ".processors[" + std::to_string(k) + "]", impl);
    } else {
        fail(impl.where, field + ".type", "only TemplateProcessing, ByteLevel, Sequence (or null) are supported, got " +
                                              (p.is_object() ? type.dump() : p.dump()));
    }
}

void parse_post_processor(const json& root, Tokenizer::Impl& impl) {
    const auto it = root.find("post_processor");
    if (it == root.end() || it->is_null()) return;
    parse_post_processor_step(*it, "post_processor", impl);
}

}  // namespace

Tokenizer Tokenizer::load(const std::filesystem::path& tokenizer_json) {
    auto impl = std::make_shared<Impl>();
    impl->where = tokenizer_json.string();
    const std::string& where = impl->where;
    std::ifstream in(tokenizer_json, std::ios::binary);
    if (!in) throw Error(where + ": cannot open tokenizer file");
    json root;
    try {
        root = json::parse(in);
    } catch (const json::exception& e) {
        throw Error(where + ": invalid JSON: " + e.what());
    }
    if (!root.is_object()) fail(where, "(root)", "expected a JSON object");
    for (const char* unsupported : {"truncation", "padding"})
        if (root.contains(unsupported) && !root[unsupported].is_null()) fail(where, unsupported, "must be null (not supported)");
    impl->pre_tokenizer = PreTokenizer::from_json(root.value("pre_tokenizer", json()), where);
    if (!root.contains("model")) fail(where, "model", "missing");
    impl->model = BpeModel::from_json(root["model"], where);
    if (impl->pre_tokenizer.byte_level()) impl->model.enable_byte_level();
    if (root.contains("normalizer") && !root["normalizer"].is_null())
        tokenizer_json::parse_component(root["normalizer"], "normalizers", "normalizer", where, "normalizer",
                                        [&](const json& j, const std::string& type, const std::string& field) {
                                            return parse_normalizer(j, type, where, field, impl->normalizer);
                                        });
    parse_added_tokens(root, *impl);
    parse_post_processor(root, *impl);
    impl->decoder = TokenDecoder::from_json(root.value("decoder", json()), where);

    // id tables. HF's vocab size with added tokens = model + added - added already in model.
    int max_id = impl->model.size() - 1;
    int overlapping = 0;
    for (const auto& a : impl->added) {
        max_id = std::max(max_id, a.id);
        overlapping += impl->model.token_to_id(a.content).has_value();
    }
    impl->vocab_size = impl->model.size() + static_cast<int>(impl->added.size()) - overlapping;
    const auto n = static_cast<std::size_t>(std::max(max_id, 0)) + 1;
    impl->decode_string.assign(n, {});
    impl->exists.assign(n, false);
    impl->special.assign(n, false);
    for (std::size_t id = 0; id < n; ++id) {
        if (const std::string* t = impl->model.id_to_token(static_cast<int>(id))) {
            impl->decode_string[id] = *t;
            impl->exists[id] = true;
        }
    }
    for (const auto& a : impl->added) {
        const auto id = static_cast<std::size_t>(a.id);
        // tokenizers 0.23 decodes a normalized added token as its normalized spelling.
        impl->decode_string[id] = a.normalized ? normalize(impl->normalizer, a.content) : a.content;
        impl->exists[id] = true;
        impl->special[id] = a.special;
    }
    for (int id : impl->template_before) impl->check_id(id);
    for (int id : impl->template_after) impl->check_id(id);
    return Tokenizer(std::move(impl));
}

std::vector<int> Tokenizer::encode(std::string_view text, bool add_special) const {
    const Impl& im = *impl_;
    std::string repaired;
    if (!utf8::is_valid(text)) {
        repaired = utf8::to_valid_lossy(text);
        text = repaired;
    }
    std::vector<int> ids;
    if (add_special) ids = im.template_before;
    BpeModel::Scratch scratch;
    const auto tokenize = [&](std::string_view piece) {
        if (!im.pre_tokenizer.present()) return im.model.tokenize(piece, ids);
        im.pre_tokenizer.for_each_word(piece, [&](std::string_view word) {
            if (im.pre_tokenizer.byte_level())
                im.model.tokenize_bytes(word, ids, scratch);
            else
                im.model.tokenize(word, ids);
        });
    };
    for (const Piece& raw : im.split_added(text, im.raw_matcher)) {
        if (raw.id >= 0) {
            ids.push_back(raw.id);
            continue;
        }
        const std::string normalized = normalize(im.normalizer, text.substr(raw.begin, raw.end - raw.begin));
        const std::string_view ns = normalized;
        for (const Piece& p : im.split_added(ns, im.normalized_matcher)) {
            if (p.id >= 0)
                ids.push_back(p.id);
            else
                tokenize(ns.substr(p.begin, p.end - p.begin));
        }
    }
    if (add_special) ids.insert(ids.end(), im.template_after.begin(), im.template_after.end());
    return ids;
}

std::string Tokenizer::decode(std::span<const int> ids, bool skip_special) const {
    const Impl& im = *impl_;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (const int id : ids) {
        im.check_id(id);
        if (skip_special && im.special[static_cast<std::size_t>(id)]) continue;
        tokens.push_back(im.decode_string[static_cast<std::size_t>(id)]);
    }
    return im.decoder.decode(std::move(tokens));
}

int Tokenizer::vocab_size() const { return impl_->vocab_size; }

std::optional<int> Tokenizer::token_to_id(std::string_view token) const {
    if (const auto it = impl_->added_by_content.find(std::string(token)); it != impl_->added_by_content.end())
        return it->second;
    return impl_->model.token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(int id) const {
    for (const auto& a : impl_->added)
        if (a.id == id) return a.content;
    if (const std::string* t = impl_->model.id_to_token(id)) return *t;
    return std::nullopt;
}

bool Tokenizer::is_special(int id) const {
    return id >= 0 && id < static_cast<int>(impl_->special.size()) && impl_->special[static_cast<std::size_t>(id)];
}

int Tokenizer::bos_id() const { return impl_->template_before.size() == 1 ? impl_->template_before[0] : -1; }

// ---------------------------------------------------------------------------------------

struct StreamDecoder::State {
    TokenDecoder::Stream stream;
};

StreamDecoder::StreamDecoder(const Tokenizer& tok, bool skip_special)
    : impl_(tok.impl_), state_(std::make_unique<State>(State{TokenDecoder::Stream(impl_->decoder)})),
      skip_special_(skip_special) {}

StreamDecoder::~StreamDecoder() = default;
StreamDecoder::StreamDecoder(StreamDecoder&&) noexcept = default;
StreamDecoder& StreamDecoder::operator=(StreamDecoder&&) noexcept = default;

std::string StreamDecoder::push(int id) {
    impl_->check_id(id);
    if (skip_special_ && impl_->special[static_cast<std::size_t>(id)]) return {};
    return state_->stream.push(impl_->decode_string[static_cast<std::size_t>(id)]);
}

std::string StreamDecoder::flush() { return state_->stream.flush(); }

}  // namespace lmh
