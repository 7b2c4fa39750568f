// Reading the parts of a Hugging Face tokenizer.json (model, normalizer, pre_tokenizer,
// decoder): every error names the file and the field, "tokenizer.json: decoder.decoders[1].type:
// missing", so a user can find what to change. Shared by the parsers of each part.
#pragma once

#include <cstddef>
#include <string>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace lmh::tokenizer_json {

[[noreturn]] inline void fail(const std::string& where, const std::string& field, const std::string& what) {
    throw Error(where + ": " + field + ": " + what);
}

// A component whose type the engine does not implement: `kind` is "normalizer", "decoder", ...
[[noreturn]] inline void unsupported_type(const std::string& where, const std::string& field, const std::string& kind,
                                          const std::string& type) {
    fail(where, field + ".type", kind + " \"" + type + "\" is not supported");
}

// A boolean option `key` of a component: `dflt` when absent or null.
inline bool optional_flag(const nlohmann::json& j, const char* key, bool dflt, const std::string& where,
                          const std::string& field) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return dflt;
    if (!it->is_boolean()) fail(where, field + "." + key, "expected a boolean");
    return it->get<bool>();
}

// A required string field `key` of a component.
inline std::string string_field(const nlohmann::json& j, const char* key, const std::string& where, const std::string& field) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_string()) fail(where, field + "." + key, "missing or not a string");
    return it->get<std::string>();
}

// The "type" of a component object ("Sequence", "ByteLevel", ...).
inline std::string component_type(const nlohmann::json& j, const std::string& where, const std::string& field) {
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) fail(where, field + ".type", "missing");
    return j["type"].get<std::string>();
}

// A "Sequence" component: calls part(item, item_field) on each item of its array `key`
// ("normalizers", "pretokenizers", "decoders"), in order.
template <class Part>
void for_each_in_sequence(const nlohmann::json& j, const char* key, const std::string& where, const std::string& field,
                          Part&& part) {
    const auto it = j.find(key);
    const std::string items = field + "." + key;
    if (it == j.end() || !it->is_array()) fail(where, items, "missing or not an array");
    for (std::size_t k = 0; k < it->size(); ++k) part((*it)[k], items + "[" + std::to_string(k) + "]");
}

// A component that may be a "Sequence" (normalizer, pre_tokenizer, decoder): a Sequence's
// array `items` is walked in order, nested Sequences too, and every other component goes to
// one(j, type, field), which returns false for a type the engine does not implement (the
// error then names it a `kind`: "normalizer", "pre-tokenizer", "decoder").
template <class One>
void parse_component(const nlohmann::json& j, const char* items, const std::string& kind, const std::string& where,
                     const std::string& field, One&& one) {
    const std::string type = component_type(j, where, field);
    if (type == "Sequence")
        for_each_in_sequence(j, items, where, field, [&](const nlohmann::json& item, const std::string& f) {
            parse_component(item, items, kind, where, f, one);
        });
    else if (!one(j, type, field))
        unsupported_type(where, field, kind, type);
}

}  // namespace lmh::tokenizer_json
