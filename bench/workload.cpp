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

double need_number(const json& j, const char* key, const std::string& src, double lo, double hi) {
    if (!j.contains(key)) throw Error(src + ": missing field '" + key + "'");
    if (!j[key].is_number() || !(j[key].get<double>() >= lo) || !(j[key].get<double>() <= hi))
        throw Error(src + ": field '" + key + "' must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return j[key].get<double>();
}

void read_turns(const json& j, Workload& w, const std::string& src) {
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
}

// kind "serve": {sessions, reply_lengths, arrival {kind, rate_per_second, seed}, max_batch,
// max_prefills_per_step?, slo {ttft_ms, tpot_ms}}.
void read_serve(const json& j, Workload& w, const std::string& src) {
    read_turns(j, w, src);
    w.sessions = need_count(j, "sessions", src, 1, 4096);
    if (!j.contains("reply_lengths") || !j["reply_lengths"].is_array() || j["reply_lengths"].empty())
        throw Error(src + ": field 'reply_lengths' must be a non-empty array of integers");
    for (std::size_t i = 0; i < j["reply_lengths"].size(); ++i) {
        const json& v = j["reply_lengths"][i];
        if (!v.is_number_integer() || v.get<long long>() < 1 || v.get<long long>() > (1 << 20))
            throw Error(src + ": field 'reply_lengths[" + std::to_string(i) + "]' must be an integer in [1, 1048576]");
        w.reply_lengths.push_back(v.get<int>());
    }
    w.max_batch = need_count(j, "max_batch", src, 1, 256);
    if (j.contains("max_prefills_per_step")) w.max_prefills_per_step = need_count(j, "max_prefills_per_step", src, 0, 4096);
    if (j.contains("gemm_from_rows")) w.gemm_from_rows = need_count(j, "gemm_from_rows", src, 1, 1 << 20);
    if (!j.contains("arrival") || !j["arrival"].is_object()) throw Error(src + ": field 'arrival' must be an object {kind, ...}");
    const json& a = j["arrival"];
    w.arrival = need_string(a, "kind", src);
    if (w.arrival == "poisson") {
        w.rate_per_second = need_number(a, "rate_per_second", src, 1e-6, 1e6);
        w.seed = static_cast<std::uint64_t>(need_count(a, "seed", src, 0, 2147483647));
    } else if (w.arrival != "all") {
        throw Error(src + ": field 'arrival.kind' must be \"all\" or \"poisson\", got \"" + w.arrival + "\"");
    }
    if (!j.contains("slo") || !j["slo"].is_object()) throw Error(src + ": field 'slo' must be an object {ttft_ms, tpot_ms}");
    w.slo_ttft_ms = need_number(j["slo"], "ttft_ms", src, 0, 1e9);
    w.slo_tpot_ms = need_number(j["slo"], "tpot_ms", src, 0, 1e9);
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
        read_turns(j, w, src);
        w.reply_tokens = need_count(j, "reply_tokens", src, 1, 1 << 20);
    } else if (w.kind == "serve") {
        read_serve(j, w, src);
    } else {
        throw Error(src + ": field 'kind' must be \"generate\", \"chat\" or \"serve\", got \"" + w.kind + "\"");
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
