#include "engine/chat_history.h"

#include <algorithm>

namespace lmh {

void ChatHistory::append_reply(std::string text, std::vector<int> ids) {
    if (ids.empty()) return;
    pieces_.push_back({std::move(text), std::move(ids), true});
}

ChatHistory::Update ChatHistory::update(std::string_view rendered, const Tokenizer& tokenizer) {
    std::size_t matched = 0;
    std::size_t kept = 0;
    for (; kept < pieces_.size(); ++kept) {
        Piece& p = pieces_[kept];
        if (rendered.substr(matched).starts_with(p.text)) {
            matched += p.text.size();
            continue;
        }
        const std::string_view rest = rendered.substr(matched);
        if (!p.generated) {
            // Retokenise from this piece on; its leading tokens that the new tokenisation
            // shares stay in the cache.
            std::vector<int> ids = tokenizer.encode(rest, false);
            const auto diff = std::mismatch(p.ids.begin(), p.ids.end(), ids.begin(), ids.end());
            const auto shared = static_cast<std::size_t>(diff.first - p.ids.begin());
            pieces_.resize(kept);
            const Update u{token_count() + shared, matched};
            pieces_.push_back({std::string(rest), std::move(ids), false});
            return u;
        }
        // A reply: binary search for the longest run of leading tokens whose decoded text
        // `rest` starts with. Any run found is exact; it is the longest when matching is
        // monotone, which holds except inside a UTF-8 character split across tokens.
        std::size_t lo = 0, hi = p.ids.size() - 1;  // lo tokens match; the whole piece does not
        std::string lo_text;
        while (lo < hi) {
            const std::size_t mid = lo + (hi - lo + 1) / 2;
            std::string text = tokenizer.decode(std::span(p.ids).first(mid), false);
            if (rest.starts_with(text)) {
                lo = mid;
                lo_text = std::move(text);
            } else {
                hi = mid - 1;
            }
        }
        if (lo > 0) {
            p.ids.resize(lo);
            p.text = std::move(lo_text);
            matched += p.text.size();
            ++kept;
        }
        break;
    }
    pieces_.resize(kept);
    const Update u{token_count(), matched};
    if (matched < rendered.size()) {
        const std::string_view rest = rendered.substr(matched);
        pieces_.push_back({std::string(rest), tokenizer.encode(rest, false), false});
    }
    return u;
}

std::vector<int> ChatHistory::ids() const {
    std::vector<int> out;
    for (const Piece& p : pieces_) out.insert(out.end(), p.ids.begin(), p.ids.end());
    return out;
}

std::size_t ChatHistory::token_count() const {
    std::size_t n = 0;
    for (const Piece& p : pieces_) n += p.ids.size();
    return n;
}

}  // namespace lmh
