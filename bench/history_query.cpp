#include "bench/history_query.h"

#include "bench/machine_filter.h"

namespace lmh::bench {

HistoryView query_history(const std::string& db_path, const HistoryQuery& q) {
    const HistoryDb db(db_path, false);
    // No reference machine: "same" means the newest matching record's.
    const auto mf = filter_by_machine(db.records(q.filter), parse_machine_selector(q.machine), nullptr);
    HistoryView v;
    v.notes = left_out_note(mf, "history");
    v.series = history_series(mf.kept, q.metric);
    v.json = history_json(v.series, q.metric, db_path);
    return v;
}

}  // namespace lmh::bench
