#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>

namespace cpo::store {

class RunStore;

// A run's metrics in long form, one row per point, ordered by key then step:
//   phase,step,key,value,wall_time
// RFC 4180 quoting where a field needs it; numbers in the shortest text that reads back to
// the same double (so 1700000000.0 is `1.7e+09`); NaN as `nan`, which pandas and numpy read.
// Long form keeps series logged at different steps without padding a wide table with blanks.
void writeMetricsCsv(RunStore& store, std::int64_t runId, std::ostream& out);

// The same points as one JSON document, a column array per series (pandas.DataFrame(series)
// reads one directly), written one series at a time; NaN becomes null, which JSON has instead:
//   {"run": {"id": 1, "name": "...", "status": "finished", "config_hash": "..."},
//    "series": {"loss": {"phase": [...], "step": [...], "value": [...], "wall_time": [...]}}}
void writeMetricsJson(RunStore& store, std::int64_t runId, std::ostream& out);

// Files: each throws cpo::Error naming the file (or the missing run) on failure.
void exportMetricsCsv(RunStore& store, std::int64_t runId, const std::filesystem::path& file);
void exportMetricsJson(RunStore& store, std::int64_t runId, const std::filesystem::path& file);
// The run's experiment JSON byte for byte as it was stored, so running it again repeats it.
void exportExperiment(RunStore& store, std::int64_t runId, const std::filesystem::path& file);

} // namespace cpo::store
