#include "bench/workload.h"

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/sha256.h"

namespace lmh::bench {
namespace {

using nlohmann::json;

std::string need_string(const json& j, const char* key, const std::string& src) {
    if (!j.contains(key)) throw Error(src + ": missing field '" + key + "'");
    if (!j[key].is_string() || j[key].get<std::string>().empty())
        throw Error(src + ": field '" + key + "' must be a non-empty string");
    return j[key].get<std::string>();
}

int need_count(const json& j, const char* key, const std::string& src, int lo, int hi) {
    if (!j.contains(key)) throw Error(src + ": missing field '" + key + "'");
    if (!j[key].is_number_integer() || j[key].get<long long>() < lo || j[key].get<long long>() > hi)
        throw Error(src + ": field '" + key + "' must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return j[key].get<int>();
}

}  // namespace

Workload Workload::load(const std::string& name_or_path, const std::filesystem::path& workloads_dir) {
    std::filesystem::path path = name_or_path;
    if (name_or_path.find('/') == std::string::npos && name_or_path.find(".json") == std::string::npos)
        path = workloads_dir / (name_or_path + ".json");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open workload " + path.string());
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string src = path.string();
    Workload w;
    w.content = ss.str();
    w.sha256 = sha256_hex(std::as_bytes(std::span<const char>(w.content.data(), w.content.size())));
    json j;
    try {
        j = json::parse(w.content);
    } catch (const json::exception& e) {
        throw Error(src + ": invalid JSON (" + std::string(e.what()) + ")");
    }
    if (!j.is_object()) throw Error(src + ": expected a JSON object");
    w.name = need_string(j, "name", src);
    w.kind = need_string(j, "kind", src);
    w.model = need_string(j, "model", src);
    if (w.kind == "generate") {
        w.prompt = need_string(j, "prompt", src);
        w.generate_tokens = need_count(j, "generate_tokens", src, 1, 1 << 20);
    } else if (w.kind == "chat") {
        if (j.contains("system")) {
            if (!j["system"].is_string()) throw Error(src + ": field 'system' must be a string");
            w.system = j["system"].get<std::string>();
        }
        if (!j.contains("turns") || !j["turns"].is_array() || j["turns"].empty())
            throw Error(src + ": field 'turns' must be a non-empty array of strings");
        for (std::size_t i = 0; i < j["turns"].size(); ++i) {
            if (!j["turns"][i].is_string() || j["turns"][i].get<std::string>().empty())
                throw Error(src + ": field 'turns[" + std::to_string(i) + "]' must be a non-empty string");
            w.turns.push_back(j["turns"][i].get<std::string>());
        }
        w.reply_tokens = need_count(j, "reply_tokens", src, 1, 1 << 20);
    } else {
        throw Error(src + ": field 'kind' must be \"generate\" or \"chat\", got \"" + w.kind + "\"");
    }
    // Either kind may add a prefill case: one forward of the first `tokens` tokens of text.
    if (j.contains("prefill")) {
        const json& p = j["prefill"];
        if (!p.is_object()) throw Error(src + ": field 'prefill' must be an object {tokens, text}");
        w.prefill_tokens = need_count(p, "tokens", src, 1, 1 << 20);
        w.prefill_text = need_string(p, "text", src);
    }
    return w;
}

}  // namespace lmh::bench
