#include "engine/chat_transcript.h"

#include <fstream>
#include <sstream>

#include "util/error.h"

namespace lmh {

ChatTranscript read_chat_transcript(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open transcript " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception&) {
        throw Error(path + ": not valid JSON (expected {\"system\": \"...\", \"turns\": [\"...\", ...]})");
    }
    ChatTranscript t;
    if (!j.is_object()) throw Error(path + ": expected a JSON object with a \"turns\" array");
    if (j.contains("system")) {
        if (!j["system"].is_string()) throw Error(path + ": field 'system' must be a string");
        t.system = j["system"].get<std::string>();
    }
    if (!j.contains("turns") || !j["turns"].is_array()) throw Error(path + ": field 'turns' must be an array of strings");
    for (std::size_t i = 0; i < j["turns"].size(); ++i) {
        if (!j["turns"][i].is_string()) throw Error(path + ": turns[" + std::to_string(i) + "] must be a string");
        t.turns.push_back(j["turns"][i].get<std::string>());
    }
    if (t.turns.empty()) throw Error(path + ": field 'turns' is empty");
    return t;
}

nlohmann::json chat_turn_json(const std::string& user, const ChatTurnResult& r) {
    // A turn too short to time reports a rate of 0 rather than dividing by zero.
    auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    return {{"user", user},
            {"text_added", r.text_added},
            {"prefill_ids", r.prefill_ids},
            {"prefill_tokens", r.prefill_ids.size()},
            {"reply_ids", r.reply_ids},
            {"reply_text", r.reply_text},
            {"prefill_seconds", r.prefill_seconds},
            {"prefill_tokens_per_second", rate(static_cast<double>(r.prefill_ids.size()), r.prefill_seconds)},
            {"first_token_seconds", r.first_token_seconds},
            {"decode_seconds", r.decode_seconds},
            {"decode_tokens_per_second", rate(r.decode_forwards, r.decode_seconds)},
            {"stopped_by_eos", r.stopped_by_eos},
            {"dropped_turns", r.dropped_turns},
            {"rebuilt_cache", r.rebuilt_cache},
            {"position_after", r.position_after}};
}

}  // namespace lmh
