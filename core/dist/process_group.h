#pragma once

#include "dist/dist_env.h"
#include "train/collective.h"

#include <memory>

namespace cpo::dist {

// Joins the data-parallel run `env` describes through PyTorch's c10d: a TCPStore rendezvous
// (rank 0 serves it on MASTER_ADDR:MASTER_PORT) and a process group: NCCL when `cuda` and this
// LibTorch has it, else Gloo (CPU, over TCP). Blocks until every rank has joined; throws
// cpo::Error naming the address and the timeout when they do not within env.timeout. The
// collectives give up after env.timeout too, with an error saying another rank stopped.
std::unique_ptr<train::Collective> joinProcessGroup(const DistEnv& env, bool cuda);

} // namespace cpo::dist
