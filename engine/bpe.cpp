// BPE model: loading and the merge loop. Mirrors tokenizers' models/bpe/{model,word}.rs so
// that ids match Hugging Face bit for bit; the comments mark the places where that
// fidelity (rather than elegance) dictates the code.
#include "engine/bpe.h"

#include <cstdio>
#include <algorithm>
#include <functional>

#include <nlohmann/json.hpp>

#include "engine/byte_level.h"
#include "engine/tokenizer_json.h"
#include "util/error.h"
#include "util/utf8.h"

namespace lmh {

namespace {

using nlohmann::json;

using tokenizer_json::fail;

bool is_null_or_empty_string(const json& model, const char* key) {
    const auto it = model.find(key);
    return it == model.end() || it->is_null() || (it->is_string() && it->get_ref<const std::string&>().empty());
}

}  // namespace

BpeModel BpeModel::from_json(const json& model, const std::string& where) {
    BpeModel m;
    m.where_ = where;
    if (!model.is_object()) fail(where, "model", "expected an object");
    const auto type = model.find("type");
    if (type == model.end() || !type->is_string()) fail(where, "model.type", "missing (expected \"BPE\")");
    if (*type != "BPE") fail(where, "model.type", "is " + type->dump() + ", only \"BPE\" is supported");
    if (const auto d = model.find("dropout"); d != model.end() && !d->is_null())
        fail(where, "model.dropout", "BPE dropout is random and not supported");
    if (!is_null_or_empty_string(model, "continuing_subword_prefix"))
        fail(where, "model.continuing_subword_prefix", "not supported");
    if (!is_null_or_empty_string(model, "end_of_word_suffix")) fail(where, "model.end_of_word_suffix", "not supported");
    m.byte_fallback_ = tokenizer_json::optional_flag(model, "byte_fallback", false, where, "model");
    m.fuse_unk_ = tokenizer_json::optional_flag(model, "fuse_unk", false, where, "model");
    m.ignore_merges_ = tokenizer_json::optional_flag(model, "ignore_merges", false, where, "model");
    if (const auto u = model.find("unk_token"); u != model.end() && !u->is_null()) {
        if (!u->is_string()) fail(where, "model.unk_token", "expected a string or null");
        m.unk_token_ = u->get<std::string>();
    }

    const auto vocab = model.find("vocab");
    if (vocab == model.end() || !vocab->is_object() || vocab->empty())
        fail(where, "model.vocab", "missing or not a non-empty object of token -> id");
    int max_id = -1;
    for (const auto& [token, id] : vocab->items()) {
        if (!id.is_number_integer() || id.get<long long>() < 0 || id.get<long long>() > kMaxId)
            fail(where, "model.vocab[" + json(token).dump() + "]",
                 "expected an integer id in [0, " + std::to_string(kMaxId) + "]");
        m.vocab_.emplace(token, id.get<int>());
        max_id = std::max(max_id, id.get<int>());
    }
    m.id_to_token_.assign(static_cast<std::size_t>(max_id) + 1, {});
    m.has_id_.assign(static_cast<std::size_t>(max_id) + 1, false);
    for (const auto& [token, id] : m.vocab_) {
        m.id_to_token_[static_cast<std::size_t>(id)] = token;
        m.has_id_[static_cast<std::size_t>(id)] = true;
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        m.byte_ids_[static_cast<std::size_t>(b)] = m.token_to_id(name).value_or(-1);
    }

    const auto merges = model.find("merges");
    if (merges == model.end() || !merges->is_array()) fail(where, "model.merges", "missing or not an array");
    m.merges_.reserve(merges->size());  // before any insert: no rehash while loading
    for (std::size_t rank = 0; rank < merges->size(); ++rank) {
        const json& entry = (*merges)[rank];
        const std::string field = "model.merges[" + std::to_string(rank) + "]";
        std::string a, b;
        if (entry.is_string()) {  // legacy "a b" form
            const auto& s = entry.get_ref<const std::string&>();
            const auto space = s.find(' ');
            if (space == std::string::npos) fail(where, field, "expected \"left right\", got " + entry.dump());
            a = s.substr(0, space);
            b = s.substr(space + 1);
        } else if (entry.is_array() && entry.size() == 2 && entry[0].is_string() && entry[1].is_string()) {
            a = entry[0].get<std::string>();
            b = entry[1].get<std::string>();
        } else {
            fail(where, field, "expected \"left right\" or [\"left\", \"right\"]");
        }
        const auto ia = m.token_to_id(a), ib = m.token_to_id(b), inew = m.token_to_id(a + b);
        if (!ia || !ib || !inew) fail(where, field, "token " + json(!ia ? a : !ib ? b : a + b).dump() + " is not in model.vocab");
        // A later duplicate overwrites the earlier rank, as HF's HashMap collect does.
        m.merges_.insert_or_assign(*ia, *ib, Merge{static_cast<int>(rank), *inew});
    }
    return m;
}

std::optional<int> BpeModel::token_to_id(std::string_view token) const {
    const auto it = vocab_.find(token);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

const std::string* BpeModel::id_to_token(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= id_to_token_.size() || !has_id_[static_cast<std::size_t>(id)])
        return nullptr;
    return &id_to_token_[static_cast<std::size_t>(id)];
}

void BpeModel::tokenize(std::string_view word, std::vector<int>& out) const {
    if (word.empty()) return;
    if (ignore_merges_) {
        if (const auto id = token_to_id(word)) {
            out.push_back(*id);
            return;
        }
    }
    // Initial symbols, one per character (HF merge_word). byte_lens only marks live
    // symbols during merging (0 = merged away), as Symbol::len does in HF.
    Scratch scratch;
    std::vector<int>& ids = scratch.ids;
    std::vector<int>& byte_lens = scratch.lens;
    ids.reserve(word.size());
    byte_lens.reserve(word.size());
    std::optional<std::pair<int, int>> unk;  // pending (id, byte length), for fuse_unk
    for (std::size_t i = 0; i < word.size();) {
        const std::size_t len = std::min(utf8::char_length(static_cast<unsigned char>(word[i])), word.size() - i);
        const std::string_view ch = word.substr(i, len);
        i += len;
        if (const auto id = token_to_id(ch)) {
            if (unk) {
                ids.push_back(unk->first);
                byte_lens.push_back(unk->second);
                unk.reset();
            }
            ids.push_back(*id);
            byte_lens.push_back(static_cast<int>(len));
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (const char c : ch) all = all && byte_ids_[static_cast<unsigned char>(c)] >= 0;
            if (all) {
                // HF does not flush a pending unk here, so it lands after these bytes;
                // reproduced on purpose (only reachable with a partial set of byte tokens).
                for (const char c : ch) {
                    ids.push_back(byte_ids_[static_cast<unsigned char>(c)]);
                    byte_lens.push_back(1);
                }
                continue;
            }
        }
        if (unk_token_) {
            const auto unk_id = token_to_id(*unk_token_);
            if (!unk_id) fail(where_, "model.unk_token", json(*unk_token_).dump() + " is not in model.vocab");
            if (unk && fuse_unk_) {
                unk->second += static_cast<int>(len);
            } else {
                if (unk) {
                    ids.push_back(unk->first);
                    byte_lens.push_back(unk->second);
                }
                unk = std::pair{*unk_id, static_cast<int>(len)};
            }
        }
        // Without an unk token HF silently drops the character; so do we.
    }
    if (unk) {
        ids.push_back(unk->first);
        byte_lens.push_back(unk->second);
    }
    merge_all(scratch);
    for (std::size_t k = 0; k < ids.size(); ++k)
        if (byte_lens[k] != 0) out.push_back(ids[k]);
}

void BpeModel::enable_byte_level() {
    token_index_.build(id_to_token_, has_id_);
    byte_level_complete_ = true;
    for (unsigned b = 0; b < 256; ++b) {
        byte_level_ids_[b] = token_to_id(byte_level::char_utf8(static_cast<unsigned char>(b))).value_or(-1);
        byte_level_complete_ = byte_level_complete_ && byte_level_ids_[b] >= 0;
    }
}

void BpeModel::tokenize_bytes(std::string_view word, std::vector<int>& out, Scratch& scratch) const {
    if (word.empty()) return;
    const bool cacheable = word.size() <= kMaxSeenWordBytes;
    if (cacheable) {
        if (const auto it = scratch.seen.find(word); it != scratch.seen.end()) {
            const auto first = scratch.seen_ids.begin() + it->second.first;
            out.insert(out.end(), first, first + it->second.second);
            return;
        }
    }
    const std::size_t before = out.size();
    tokenize_bytes_uncached(word, out, scratch);
    if (cacheable && scratch.seen.size() < kMaxSeenWords) {
        const auto offset = static_cast<std::uint32_t>(scratch.seen_ids.size());
        scratch.seen_ids.insert(scratch.seen_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        scratch.seen.emplace(word, std::pair{offset, static_cast<std::uint32_t>(out.size() - before)});
    }
}

void BpeModel::tokenize_bytes_uncached(std::string_view word, std::vector<int>& out, Scratch& scratch) const {
    std::string& mapped = scratch.mapped;
    mapped.clear();
    static constexpr auto kChars = byte_level::byte_to_char();
    for (const char c : word) {
        const char32_t m = kChars[static_cast<unsigned char>(c)];
        if (m < 0x80) {
            mapped += static_cast<char>(m);
        } else {
            const char two[2] = {static_cast<char>(0xC0 | (m >> 6)), static_cast<char>(0x80 | (m & 0x3F))};
            mapped.append(two, 2);
        }
    }
    // A vocabulary missing some byte characters goes the general way (unk or drop, as HF).
    if (!byte_level_complete_) return tokenize(mapped, out);
    if (ignore_merges_) {
        if (const int id = token_index_.find(mapped, id_to_token_); id >= 0) {
            out.push_back(id);
            return;
        }
    }
    scratch.ids.clear();
    scratch.lens.clear();
    for (const char c : word) {
        scratch.ids.push_back(byte_level_ids_[static_cast<unsigned char>(c)]);
        scratch.lens.push_back(1);
    }
    merge_all(scratch);
    for (std::size_t k = 0; k < scratch.ids.size(); ++k)
        if (scratch.lens[k] != 0) out.push_back(scratch.ids[k]);
}

// Word::merge_all: symbols form a doubly linked list over the arrays; a min-heap holds
// candidate merges by (rank, position). Entries made stale by an earlier merge are
// detected lazily when popped, so each merge costs O(log n) and a 20 KB "word" stays fast.
void BpeModel::merge_all(Scratch& scratch) const {
    std::vector<int>& ids = scratch.ids;
    std::vector<int>& byte_lens = scratch.lens;
    std::vector<int>& prev = scratch.prev;
    std::vector<int>& next = scratch.next;
    const int n = static_cast<int>(ids.size());
    prev.resize(static_cast<std::size_t>(n));
    next.resize(static_cast<std::size_t>(n));
    for (int k = 0; k < n; ++k) {
        prev[static_cast<std::size_t>(k)] = k - 1;
        next[static_cast<std::size_t>(k)] = k + 1 < n ? k + 1 : -1;
    }
    // A binary heap on the reused vector (std::priority_queue would own a fresh one).
    std::vector<Candidate>& queue = scratch.heap;
    queue.clear();
    const auto push = [&](Candidate c) {
        queue.push_back(c);
        std::push_heap(queue.begin(), queue.end(), std::greater<>());
    };
    for (int k = 0; k + 1 < n; ++k)
        if (const Merge* m = find_merge(ids[static_cast<std::size_t>(k)], ids[static_cast<std::size_t>(k) + 1]))
            push({m->rank, k, m->new_id, ids[static_cast<std::size_t>(k)], ids[static_cast<std::size_t>(k) + 1]});

    while (!queue.empty()) {
        std::pop_heap(queue.begin(), queue.end(), std::greater<>());
        const Candidate top = queue.back();
        queue.pop_back();
        const auto pos = static_cast<std::size_t>(top.pos);
        if (byte_lens[pos] == 0 || next[pos] == -1) continue;
        const auto right = static_cast<std::size_t>(next[pos]);
        // Stale entry: HF looks the current pair up again and compares the merged id. A
        // symbol only grows, so the pair at pos differs from the pushed one exactly when
        // the text it spans grew, and then its merged id (if any) differs too: comparing
        // the pair's ids gives HF's answer without a lookup.
        if (ids[pos] != top.left || ids[right] != top.right) continue;

        ids[pos] = top.new_id;
        byte_lens[pos] += byte_lens[right];
        byte_lens[right] = 0;
        next[pos] = next[right];
        if (next[right] != -1) prev[static_cast<std::size_t>(next[right])] = top.pos;

        if (prev[pos] != -1) {
            const auto left = static_cast<std::size_t>(prev[pos]);
            if (const Merge* m = find_merge(ids[left], ids[pos])) push({m->rank, prev[pos], m->new_id, ids[left], ids[pos]});
        }
        if (next[pos] != -1) {
            const auto after = static_cast<std::size_t>(next[pos]);
            if (const Merge* m = find_merge(ids[pos], ids[after])) push({m->rank, top.pos, m->new_id, ids[pos], ids[after]});
        }
    }
}

}  // namespace lmh
