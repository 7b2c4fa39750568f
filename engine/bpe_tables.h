// Open-addressing hash tables for the BPE hot path. std::unordered_map costs two dependent
// cache misses per lookup (bucket, then node) and the merge loop does several lookups per
// word in tables of 100k-300k entries; these flat tables cost one (plus the token's string
// for TokenIndex). Both are built once at load and then only read.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmh {

// (left id, right id) -> (rank, merged id).
class MergeTable {
public:
    struct Merge {
        int rank;
        int new_id;
    };
    static std::uint64_t key(int a, int b) {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
    }
    void reserve(std::size_t n) { rebuild(std::bit_ceil(std::max<std::size_t>(16, 2 * n))); }
    // A later duplicate overwrites the earlier value, as HF's HashMap collect does.
    void insert_or_assign(int a, int b, Merge m) {
        if (2 * (size_ + 1) > slots_.size()) rebuild(std::max<std::size_t>(16, 2 * slots_.size()));
        Slot& s = probe(slots_, shift_, key(a, b));
        if (s.key == kEmpty) ++size_;
        s = {key(a, b), m};
    }
    const Merge* find(int a, int b) const {
        if (slots_.empty()) return nullptr;
        const Slot& s = probe(slots_, shift_, key(a, b));
        return s.key == kEmpty ? nullptr : &s.merge;
    }

private:
    static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};  // ids are < 2^22: never a key
    struct Slot {
        std::uint64_t key = kEmpty;
        Merge merge{};
    };
    // The slot holding k, or the empty slot where it would go (Fibonacci hashing, linear
    // probing; the table is never more than half full, so the loop ends).
    template <class Slots>
    static auto probe(Slots& slots, int shift, std::uint64_t k) -> decltype(slots[0]) {
        const std::size_t mask = slots.size() - 1;
        for (std::size_t i = (k * 0x9E3779B97F4A7C15ull) >> shift;; i = (i + 1) & mask)
            if (slots[i].key == k || slots[i].key == kEmpty) return slots[i];
    }
    void rebuild(std::size_t capacity) {
        std::vector<Slot> old = std::move(slots_);
        slots_.assign(capacity, Slot{});
        shift_ = 64 - std::countr_zero(capacity);
        size_ = 0;
        for (const Slot& s : old)
            if (s.key != kEmpty) {
                probe(slots_, shift_, s.key) = s;
                ++size_;
            }
    }
    std::vector<Slot> slots_;
    int shift_ = 64;
    std::size_t size_ = 0;
};

// Token string -> id over a vocabulary stored elsewhere (id -> string), for the whole-word
// lookup of ignore_merges.
class TokenIndex {
public:
    // tokens[id] for every id; `present[id]` false for gaps.
    void build(const std::vector<std::string>& tokens, const std::vector<bool>& present) {
        std::size_t n = 0;
        for (bool p : present) n += p;
        const std::size_t capacity = std::bit_ceil(std::max<std::size_t>(16, 2 * n));
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        for (std::size_t id = 0; id < tokens.size(); ++id) {
            if (!present[id]) continue;
            const std::uint32_t h = hash(tokens[id]);
            std::size_t i = h & mask_;
            while (slots_[i].id >= 0) i = (i + 1) & mask_;
            slots_[i] = {h, static_cast<int>(id)};
        }
    }
    int find(std::string_view s, const std::vector<std::string>& tokens) const {
        if (slots_.empty()) return -1;
        const std::uint32_t h = hash(s);
        for (std::size_t i = h & mask_; slots_[i].id >= 0; i = (i + 1) & mask_)
            if (slots_[i].hash == h && tokens[static_cast<std::size_t>(slots_[i].id)] == s) return slots_[i].id;
        return -1;
    }

private:
    static std::uint32_t hash(std::string_view s) {  // FNV-1a, then mixed for the low bits
        std::uint32_t h = 2166136261u;
        for (const char c : s) h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
        return h ^ (h >> 15);
    }
    struct Slot {
        std::uint32_t hash = 0;
        int id = -1;
    };
    std::vector<Slot> slots_;
    std::size_t mask_ = 0;
};

}  // namespace lmh
