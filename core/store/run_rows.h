#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

// A run's rows in every table that belongs to it, as plain JSON, so that a run can move from
// one store to another (engine/run_bundle.h). Judgments are a cache shared by every run and
// are not part of it.
namespace cpo::store {

class Database;

// {"runs": [the run's row], "metrics": [...], "sample_sets": [...], "candidates": [...], ...}:
// one object per row, {column: value}; NULL as null, blobs as {"hex": "..."}. One read
// transaction, so one consistent snapshot while a writer commits.
nlohmann::json dumpRunRows(Database& db, std::int64_t runId);

// Inserts rows as dumpRunRows writes them as a new run of `db`, in one transaction: every row
// gets a new id and every reference between them follows; the run has no parent and no owner.
// Returns the new run's id. Throws cpo::Error naming the table and column when the rows do
// not fit this store (an unknown column, a wrong type, a reference to a row not given).
std::int64_t loadRunRows(Database& db, const nlohmann::json& rows);

} // namespace cpo::store
