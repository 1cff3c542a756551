#pragma once

#include "engine/run_catalog.h"

#include <nlohmann/json_fwd.hpp>

// The run catalog's rows as JSON: what `cpo runs list --json` and `cpo runs show --json` print
// and what any other reader of the catalog writes out, one spelling of every key.
namespace cpo::engine {

// A run's list row: id, name, status, times, config hash, parent, tags, error, abandoned.
nlohmann::json runSummaryJson(const RunListEntry& run);
// A run with its series summaries, latest checkpoint and number of alerts.
nlohmann::json runDetailsJson(const RunDetails& details);

} // namespace cpo::engine
