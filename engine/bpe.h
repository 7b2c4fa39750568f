// BpeModel: the "model" part of a Hugging Face tokenizer.json of type BPE — vocabulary,
// ranked merges, byte fallback and unknown-token handling — turning one normalized
// "word" into ids exactly as tokenizers' models/bpe (merge_word + Word::merge_all) does.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "engine/bpe_tables.h"

namespace lmh {

class BpeModel {
public:
    // `model` is tokenizer.json's "model" object; `where` (the file path) prefixes errors.
    static BpeModel from_json(const nlohmann::json& model, const std::string& where);
    // Largest token id accepted (vocab and added tokens). Id tables are dense, so an id
    // bounds an allocation; this matches ModelConfig's vocab_size limit.
    static constexpr int kMaxId = (1 << 22) - 1;

    struct StringHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    // Candidate merge of Word::merge_all's priority queue; public only for Scratch.
    struct Candidate {
        int rank;
        int pos;
        int new_id;
        int left, right;  // the pair's ids when pushed, to recognise a stale entry
        // Min-heap order: the lowest rank wins, ties go to the leftmost position (HF's Ord
        // for Merge), which makes the result deterministic.
        bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    // Buffers reused from word to word so that encoding does not allocate per word, and
    // the ids of words already seen in this encode() call (as HF's BPE cache: natural text
    // repeats its words, and a merge-table lookup is a cache miss).
    struct Scratch {
        std::vector<int> ids, lens, prev, next;
        std::vector<Candidate> heap;
        std::string mapped;
        std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>, StringHash, std::equal_to<>> seen;
        std::vector<int> seen_ids;  // seen: word -> [offset, offset + count) here
    };

    // Appends the ids of one word. Linear-logarithmic in the word length: without a
    // pre-tokenizer the whole normalized text between added tokens is one word.
    void tokenize(std::string_view word, std::vector<int>& out) const;

    // Byte-level BPE (tokenizers' ByteLevel pre-tokenizer): the word's bytes, each spelled
    // as its byte_level character, are the initial symbols. Call enable_byte_level() first.
    void tokenize_bytes(std::string_view word, std::vector<int>& out, Scratch& scratch) const;
    // Words up to this many bytes go through Scratch::seen, at most kMaxSeenWords of them
    // (longer words are rare and would make the memory of one call unbounded).
    static constexpr std::size_t kMaxSeenWordBytes = 48, kMaxSeenWords = 1 << 14;
    void enable_byte_level();

    std::optional<int> token_to_id(std::string_view token) const;
    // nullptr when the model has no token with this id.
    const std::string* id_to_token(int id) const;
    int size() const { return static_cast<int>(vocab_.size()); }

private:
    using Merge = MergeTable::Merge;
    const Merge* find_merge(int a, int b) const { return merges_.find(a, b); }
    void tokenize_bytes_uncached(std::string_view word, std::vector<int>& out, Scratch& scratch) const;
    // Merges scratch.ids in place; scratch.lens marks live symbols (0 = merged away).
    void merge_all(Scratch& scratch) const;

    std::unordered_map<std::string, int, StringHash, std::equal_to<>> vocab_;
    std::vector<std::string> id_to_token_;
    std::vector<bool> has_id_;  // ids may have gaps in a hand-written vocab
    MergeTable merges_;
    TokenIndex token_index_;  // vocab_ again, flat: the per-word lookup of the hot path
    std::array<int, 256> byte_ids_{};  // id of "<0xNN>", -1 when absent
    // Id of the byte_level character of each byte, -1 when absent from the vocabulary.
    std::array<int, 256> byte_level_ids_{};
    bool byte_level_complete_ = false;  // all 256 present: the fast path applies
    std::string where_;
    std::optional<std::string> unk_token_;
    bool byte_fallback_ = false;
    bool fuse_unk_ = false;
    bool ignore_merges_ = false;
};

}  // namespace lmh
