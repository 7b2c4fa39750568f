// `lmharness history`: the records of a history database that match a filter, kept to one
// machine (bench/machine_filter.h), as one series of one metric per configuration.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/history_db.h"

namespace lmh::bench {

struct HistoryQuery {
    HistoryFilter filter;
    std::string machine = "same";  // a --machine selector (parse_machine_selector)
    std::string metric = "decode_tokens_per_second";
};

struct HistoryView {
    std::vector<HistorySeries> series;
    nlohmann::json json;  // history_json: what `history --json` prints and the plot script reads
    std::string notes;    // records of other machines left out (empty when none)
};

HistoryView query_history(const std::string& db_path, const HistoryQuery& query);

}  // namespace lmh::bench
