#include "store/schema.h"

#include "store/database.h"
#include "util/error.h"
#include "util/log.h"

#include <array>
#include <string>

namespace cpo::store {
namespace {

// Times are INTEGER Unix milliseconds, except metrics.wall_time: REAL Unix seconds, the unit
// TensorBoard and W&B exports use. A metric value of NULL is NaN (SQLite cannot store NaN).
// (run_id, key, step) is the metrics key: steps count globally over a run's phases, or a key
// names its phase ("mle/loss"), so that one series never holds a step twice.
constexpr char kSchemaV1Sql[] = R"sql(
CREATE TABLE meta (
  key TEXT NOT NULL PRIMARY KEY,
  value ANY NOT NULL
) STRICT;

CREATE TABLE runs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued', 'running', 'paused', 'stopped', 'finished', 'failed', 'cancelled')),
  experiment_json TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  app_version TEXT NOT NULL,
  git_revision TEXT NOT NULL,
  machine_info TEXT NOT NULL,
  device_info TEXT NOT NULL,
  parent_run_id INTEGER REFERENCES runs (id) ON DELETE SET NULL,
  tags TEXT NOT NULL DEFAULT '[]',
  notes TEXT NOT NULL DEFAULT '',
  error TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER
) STRICT;
CREATE INDEX runs_by_created ON runs (created_at);
CREATE INDEX runs_by_parent ON runs (parent_run_id);

CREATE TABLE metrics (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  key TEXT NOT NULL,
  step INTEGER NOT NULL,
  phase TEXT NOT NULL,
  value REAL,
  wall_time REAL NOT NULL,
  PRIMARY KEY (run_id, key, step)
) STRICT, WITHOUT ROWID;

CREATE TABLE sample_sets (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  step INTEGER NOT NULL,
  prompt TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX sample_sets_by_run ON sample_sets (run_id, step);

CREATE TABLE candidates (
  id INTEGER PRIMARY KEY,
  sample_set_id INTEGER NOT NULL REFERENCES sample_sets (id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('ground_truth', 'negative')),
  strategy TEXT NOT NULL,
  text TEXT NOT NULL,
  token_ids BLOB NOT NULL,
  logp_theta BLOB,
  logp_ref BLOB,
  reward REAL,
  similarity REAL,
  rank INTEGER,
  UNIQUE (sample_set_id, idx)
) STRICT;

CREATE TABLE checkpoints (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  step INTEGER NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX checkpoints_by_run ON checkpoints (run_id);

CREATE TABLE alerts (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  phase TEXT NOT NULL,
  step INTEGER NOT NULL,
  kind TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX alerts_by_run ON alerts (run_id, step);
)sql";

// Only adds nullable columns and tables, so a version-1 build still reads and writes the file.
constexpr char kSchemaV2Sql[] = R"sql(
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN heartbeat INTEGER;

CREATE TABLE evaluations (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  eval_set TEXT NOT NULL,
  model_label TEXT NOT NULL,
  alpha REAL,
  step INTEGER NOT NULL,
  judge TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX evaluations_by_run ON evaluations (run_id, step);

CREATE TABLE generations (
  id INTEGER PRIMARY KEY,
  evaluation_id INTEGER NOT NULL REFERENCES evaluations (id) ON DELETE CASCADE,
  example_hash TEXT NOT NULL,
  prompt TEXT NOT NULL,
  reference TEXT NOT NULL,
  text TEXT NOT NULL,
  verdict TEXT CHECK (verdict IN ('win', 'tie', 'loss')),
  created_at INTEGER NOT NULL,
  UNIQUE (evaluation_id, example_hash)
) STRICT;

CREATE TABLE judgments (
  id INTEGER PRIMARY KEY,
  judge_config_hash TEXT NOT NULL,
  prompt_hash TEXT NOT NULL,
  pair_hash TEXT NOT NULL,
  order_ab INTEGER NOT NULL CHECK (order_ab IN (0, 1)),
  verdict TEXT NOT NULL,
  raw_answer TEXT NOT NULL,
  latency_ms REAL NOT NULL,
  cost REAL NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (judge_config_hash, prompt_hash, pair_hash, order_ab)
) STRICT;

CREATE TABLE alpha_sweeps (
  id INTEGER PRIMARY KEY,
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  eval_set TEXT NOT NULL,
  judge TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX alpha_sweeps_by_run ON alpha_sweeps (run_id);

CREATE TABLE alpha_points (
  sweep_id INTEGER NOT NULL REFERENCES alpha_sweeps (id) ON DELETE CASCADE,
  alpha REAL NOT NULL,
  evaluation_id INTEGER REFERENCES evaluations (id) ON DELETE SET NULL,
  wins INTEGER NOT NULL,
  ties INTEGER NOT NULL,
  losses INTEGER NOT NULL,
  win_rate REAL NOT NULL,
  ci_low REAL NOT NULL,
  ci_high REAL NOT NULL,
  PRIMARY KEY (sweep_id, alpha)
) STRICT;

CREATE TABLE human_votes (
  id INTEGER PRIMARY KEY,
  generation_id INTEGER NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
  order_ab INTEGER NOT NULL CHECK (order_ab IN (0, 1)),
  choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'tie')),
  voter TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX human_votes_by_generation ON human_votes (generation_id);
)sql";

// Where the run's files live (checkpoints, data, tokenizer): what `cpo runs resume` needs
// when a run died before its first checkpoint. Nullable, so version-1 builds still write.
constexpr char kSchemaV3Sql[] = R"sql(
ALTER TABLE runs ADD COLUMN run_dir TEXT;
)sql";

// What an evaluation needs beyond v2's tables: its decoding settings and results (JSON, as
// the CLI prints them), and per generation its category, lengths (for the length-controlled
// win rate) and why the judge gave no verdict. Nullable, so older builds still write.
constexpr char kSchemaV4Sql[] = R"sql(
ALTER TABLE evaluations ADD COLUMN decoding TEXT;
ALTER TABLE evaluations ADD COLUMN summary TEXT;
ALTER TABLE generations ADD COLUMN category TEXT;
ALTER TABLE generations ADD COLUMN tokens INTEGER;
ALTER TABLE generations ADD COLUMN reference_tokens INTEGER;
ALTER TABLE generations ADD COLUMN judge_detail TEXT;
CREATE INDEX generations_by_evaluation ON generations (evaluation_id);
)sql";

// Per-token log-probs of a stored sample set's candidates under a later checkpoint, scored on
// demand by the app's inspector (engine/sample_set_scorer.h) and kept so each is paid once.
// A new table only, so older builds still read and write the file.
constexpr char kSchemaV5Sql[] = R"sql(
CREATE TABLE candidate_scores (
  sample_set_id INTEGER NOT NULL REFERENCES sample_sets (id) ON DELETE CASCADE,
  idx INTEGER NOT NULL,
  checkpoint_phase TEXT NOT NULL,
  checkpoint_step INTEGER NOT NULL,
  logp_theta BLOB NOT NULL,
  logp_ref BLOB NOT NULL,
  reward REAL NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (sample_set_id, checkpoint_phase, checkpoint_step, idx)
) STRICT, WITHOUT ROWID;
)sql";

// Every event a run reported, in order, as the plain event codec's JSON
// (engine/event_codec.h): what `cpo runs follow` streams to a follower on another machine.
// Append-only: a resumed run's replayed steps are new events. A new table only, so older
// builds still read and write the file.
constexpr char kSchemaV6Sql[] = R"sql(
CREATE TABLE run_events (
  run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  event TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) STRICT, WITHOUT ROWID;
)sql";

// A run mirrored from another machine's store (`cpo runs follow` through ssh): where it comes
// from. The mirror is read-only here (no resume); the three columns identify it, so following
// the same remote run again continues its row. Nullable, so older builds still write.
constexpr char kSchemaV7Sql[] = R"sql(
ALTER TABLE runs ADD COLUMN remote_host TEXT;
ALTER TABLE runs ADD COLUMN remote_run_id INTEGER;
ALTER TABLE runs ADD COLUMN remote_db TEXT;
CREATE INDEX runs_by_remote ON runs (remote_host, remote_run_id);
)sql";

struct Migration {
    int version;
    int compatibleVersion;
    const char* sql;
};

constexpr std::array kMigrations{
    Migration{1, 1, kSchemaV1Sql},
    Migration{2, 1, kSchemaV2Sql},
    Migration{3, 1, kSchemaV3Sql},
    Migration{4, 1, kSchemaV4Sql},
    Migration{5, 1, kSchemaV5Sql},
    Migration{6, 1, kSchemaV6Sql},
    Migration{7, 1, kSchemaV7Sql},
};
static_assert(kMigrations.size() == kSchemaVersion, "one migration per schema version");

constexpr char kHasMetaSql[] =
    "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'meta'";
constexpr char kSelectCompatibleSql[] = "SELECT value FROM meta WHERE key = 'compatible_version'";
constexpr char kUpsertCompatibleSql[] =
    "INSERT INTO meta (key, value) VALUES ('compatible_version', ?) "
    "ON CONFLICT (key) DO UPDATE SET value = excluded.value";

void refuseIfIncompatible(Database& db, int version)
{
    const int compatible = compatibleVersion(db);
    if (version <= kSchemaVersion || compatible <= kSchemaVersion)
        return;
    throw Error("run store " + db.file() + ": written by a newer CPO Studio (schema version "
                + std::to_string(version) + ", readable from schema version "
                + std::to_string(compatible) + " on); this build knows schema version "
                + std::to_string(kSchemaVersion) + ": upgrade CPO Studio to open it");
}

} // namespace

int compatibleVersion(Database& db)
{
    Statement hasMeta(db, kHasMetaSql);
    if (!hasMeta.step() || hasMeta.columnInt64(0) == 0)
        return 0;
    Statement select(db, kSelectCompatibleSql);
    return select.step() ? static_cast<int>(select.columnInt64(0)) : 0;
}

void migrate(Database& db, int targetVersion)
{
    // Up to date is the common case: check without taking the write lock, which a running
    // engine may be holding for a batch.
    if (const int version = db.userVersion(); version >= targetVersion) {
        refuseIfIncompatible(db, version);
        return;
    }
    for (;;) {
        // The version is read under the write lock: another process may have migrated the
        // file since this one last looked.
        Transaction transaction(db);
        const int current = db.userVersion();
        refuseIfIncompatible(db, current);
        if (current >= targetVersion)
            return;
        if (current < 0)
            throw Error("run store " + db.file() + ": schema version " + std::to_string(current)
                        + " is not one CPO Studio writes");
        const Migration& migration = kMigrations.at(static_cast<std::size_t>(current));
        try {
            db.execute(migration.sql);
        } catch (const Error& e) {
            // e.g. "duplicate column name": the tables are newer than the version mark says.
            throw Error("run store " + db.file() + " is marked schema version "
                        + std::to_string(current) + " but its tables do not match it, so it "
                        + "cannot be migrated (" + e.what() + "); it was changed outside CPO "
                        + "Studio: restore a backup of it");
        }
        Statement upsert(db, kUpsertCompatibleSql);
        upsert.bindInt64(1, migration.compatibleVersion);
        upsert.run();
        db.setUserVersion(migration.version);
        transaction.commit();
        log::get("store")->info("{}: schema version {} -> {}", db.file(), current,
                                migration.version);
    }
}

void checkReadable(Database& db)
{
    const int version = db.userVersion();
    refuseIfIncompatible(db, version);
    if (version < kSchemaVersion)
        throw Error("run store " + db.file() + ": schema version " + std::to_string(version)
                    + " is older than this build's " + std::to_string(kSchemaVersion)
                    + "; open it read-write once (any run or `cpo runs` command) to migrate it");
}

} // namespace cpo::store
