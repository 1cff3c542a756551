#pragma once

#include "engine/run_events.h"

namespace cpo::train {
class Collective;
}

namespace cpo::engine {

// Runs this process as a rank other than 0 of a data-parallel run: it takes the experiment,
// run folder and resume point from rank 0, trains its slice of every batch in step with the
// others, and writes nothing but scratch files (its own data preparation) in a temporary
// folder it removes at the end. No store, no checkpoints, no events. Ctrl+C is left to rank
// 0, whose stop every rank follows at the same step.
RunSummary followRankZero(train::Collective& collective, int localRank);

} // namespace cpo::engine
