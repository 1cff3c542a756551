#pragma once

#include <chrono>

namespace cpo::cli {

// `--nproc N`: starts N copies of this very command (without --nproc) as the ranks of a
// data-parallel run on this host, with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and
// a free MASTER_PORT set as torchrun would, and waits for them. When a rank ends with an error
// the others normally fail on their own (a collective loses its peer); any still running
// `timeout` + 30 s later are killed. Ctrl+C reaches every rank (one process group): rank 0
// stops the run at a step boundary and the others follow. Returns rank 0's exit status, or
// the first failed rank's when rank 0 succeeded.
int launchLocalRanks(int nproc, std::chrono::seconds timeout);

} // namespace cpo::cli
