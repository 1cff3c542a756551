#pragma once

namespace cpo::store {

class Database;

// The schema this build writes. Versions are linear migrations keyed by PRAGMA user_version:
//   1  runs, metrics, sample sets and candidates, checkpoints, alerts, meta
//   2  run ownership (owner_pid, owner_host, heartbeat) for crash detection; evaluations,
//      generations, judgments, alpha sweeps and points, human votes
//   3  runs.run_dir;  4  evaluation decoding, summaries, generation categories and lengths
//   5  candidate_scores: sample sets scored again under later checkpoints (the inspector)
//   6  run_events: every event of a run in order, as JSON (`cpo runs follow`)
//   7  runs.remote_host, remote_run_id, remote_db: runs mirrored from another machine
inline constexpr int kSchemaVersion = 7;

// The `meta` table records, for the file, the oldest schema version whose code can still use
// it (a build that only adds tables or nullable columns keeps it low). A file newer than this
// build is opened when that compatible version is ours or older, and refused otherwise.

// Brings a read-write connection's file up to `targetVersion` (only tests ask for less than
// kSchemaVersion, to make files of an earlier version), one transaction per version, so a
// crash mid-migration leaves the file at the last complete version. Throws cpo::Error naming
// the file and both versions when the file was written by a newer, incompatible CPO Studio.
void migrate(Database& db, int targetVersion = kSchemaVersion);

// For read-only connections, which cannot migrate: throws cpo::Error unless the file is at
// kSchemaVersion, or newer and still compatible with it.
void checkReadable(Database& db);

// The compatible version recorded in the file (0 for a file without the meta table).
int compatibleVersion(Database& db);

} // namespace cpo::store
