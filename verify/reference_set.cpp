#include "verify/reference_set.h"

#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "engine/safetensors.h"
#include "engine/tensor_names.h"
#include "util/sha256.h"

namespace lmh::verify {

const ReferencePrompt* ReferenceSet::find(const std::string& prompt) const {
    for (const auto& p : prompts)
        if (p.name == prompt) return &p;
    return nullptr;
}

std::vector<float> ReferencePrompt::stored_logits(std::span<const float> logits, int vocab) const {
    if (logits_topk == 0) return {logits.begin(), logits.end()};
    const std::size_t V = static_cast<std::size_t>(vocab), K = static_cast<std::size_t>(logits_topk);
    const std::size_t rows = logits.size() / V;
    std::vector<float> out(rows * K);
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t j = 0; j < K; ++j) out[r * K + j] = logits[r * V + static_cast<std::size_t>(topk_ids[r * K + j])];
    return out;
}

namespace {

// The top-k ids and row statistics of a "topk" prompt (see ReferencePrompt).
void load_logits_summary(const TensorFile& st, ReferencePrompt& p, int topk) {
    const std::string file = st.path().string();
    const std::int64_t rows = p.last - p.first;
    auto get = [&](const char* name, std::int64_t cols) {
        const TensorInfo* t = st.find(name);
        if (!t) throw Error(file + ": missing reference tensor '" + std::string(name) + "'");
        if (t->shape != std::vector<std::int64_t>{rows, cols})
            throw Error(file + ": reference tensor '" + std::string(name) + "' has an unexpected shape");
        return st.to_f32(*t);
    };
    const auto logits = p.tensors.find(tensors::kLogits);
    if (logits == p.tensors.end() || logits->second.cols != topk)
        throw Error(file + ": a top-" + std::to_string(topk) + " prompt needs 'logits' with " + std::to_string(topk) +
                    " columns");
    const std::vector<float> ids = get("logits.topk_ids", topk);
    p.logits_topk = topk;
    p.topk_ids.reserve(ids.size());
    for (float id : ids) {
        // Ids are stored as f32, exact below 2^24; anything else is a corrupt file.
        if (!(id >= 0 && id < 16777216.0f) || id != static_cast<float>(static_cast<int>(id)))
            throw Error(file + ": 'logits.topk_ids' holds a value that is not a token id");
        p.topk_ids.push_back(static_cast<int>(id));
    }
    const std::vector<float> stats = get("logits.stats", 3);
    for (std::size_t r = 0; r < static_cast<std::size_t>(rows); ++r)
        p.logits_stats.push_back({stats[3 * r], stats[3 * r + 1], stats[3 * r + 2]});
}

}  // namespace

ReferenceSet ReferenceSet::load(const std::filesystem::path& dir) {
    const auto meta_path = dir / "reference.json";
    std::ifstream in(meta_path, std::ios::binary);
    if (!in) throw Error("no references at " + meta_path.string() + " (make them with scripts/reference.py)");
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string src = meta_path.string();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {
        throw Error(src + ": invalid JSON (" + std::string(e.what()) + ")");
    }
    ReferenceSet r;
    r.dir = dir;
    try {
        if (j.at("format").get<int>() != 1) throw Error(src + ": unsupported reference format");
        r.model = j.at("model").get<std::string>();
        r.model_sha256 = j.at("model_sha256").get<std::string>();
        r.script_version = j.at("script_version").get<std::string>();
        r.held_text = j.value("held_text", std::string());
        const auto& g = j.at("greedy");
        r.greedy_prompt = g.at("prompt").get<std::string>();
        r.greedy_ids = g.at("ids").get<std::vector<int>>();
        r.greedy_margins = g.at("top2_margin").get<std::vector<double>>();
        for (const auto& pj : j.at("prompts")) {
            ReferencePrompt p;
            p.name = pj.at("name").get<std::string>();
            p.ids = pj.at("ids").get<std::vector<int>>();
            const auto pos = pj.at("positions").get<std::vector<int>>();
            if (pos.size() != 2 || pos[0] < 0 || pos[0] >= pos[1] || pos[1] > static_cast<int>(p.ids.size()))
                throw Error(src + ": prompt '" + p.name + "' has invalid positions");
            p.first = pos[0];
            p.last = pos[1];
            p.tensor_order = pj.at("tensors").get<std::vector<std::string>>();
            // Tensors stored over other rows than `positions`: {name: [first, last]}, last fixed.
            std::map<std::string, std::vector<int>> own;
            if (pj.contains("tensor_positions")) own = pj.at("tensor_positions").get<std::map<std::string, std::vector<int>>>();
            for (const auto& [name, range] : own)
                if (range.size() != 2 || range[0] < 0 || range[0] >= range[1] || range[1] != p.last)
                    throw Error(src + ": prompt '" + p.name + "' tensor '" + name + "' has invalid tensor_positions");
            const auto file = dir / pj.at("file").get<std::string>();
            const TensorFile st = SafetensorsFile::open(file);
            for (const auto& name : p.tensor_order) {
                const TensorInfo* t = st.find(name);
                if (!t) throw Error(file.string() + ": missing reference tensor '" + name + "'");
                const auto range = own.find(name);
                const int first = range == own.end() ? p.first : range->second[0];
                if (t->shape.size() != 2 || t->shape[0] != p.last - first)
                    throw Error(file.string() + ": reference tensor '" + name + "' has an unexpected shape");
                ReferenceTensor rt;
                rt.first = first;
                rt.rows = static_cast<int>(t->shape[0]);
                rt.cols = static_cast<int>(t->shape[1]);
                rt.data = st.to_f32(*t);
                p.tensors.emplace(name, std::move(rt));
            }
            if (pj.contains("logits")) {
                const int topk = pj.at("logits").at("topk").get<int>();
                if (topk < 2 || topk > 4096) throw Error(src + ": prompt '" + p.name + "' has an invalid logits.topk");
                load_logits_summary(st, p, topk);
            }
            r.prompts.push_back(std::move(p));
        }
    } catch (const nlohmann::json::exception& e) {
        throw Error(src + ": missing or mistyped field (" + std::string(e.what()) + ")");
    }
    r.reference_sha256 = sha256_file(meta_path);
    return r;
}

}  // namespace lmh::verify
