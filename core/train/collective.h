#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace cpo::train {

// The collective operations data-parallel training needs, whatever carries them (c10d's Gloo
// or NCCL process group in dist/, or a test double). Every rank must make the same calls in
// the same order with tensors of the same shapes; a call returns when every rank has made it,
// and throws cpo::Error (naming the rank and the timeout) when one never does (it died or
// stalled).
class Collective {
public:
    virtual ~Collective() = default;
    virtual int rank() const = 0;
    virtual int worldSize() const = 0;

    // Replaces each tensor by its elementwise sum over the ranks.
    virtual void allReduceSum(std::vector<torch::Tensor>& tensors) = 0;
    // Replaces each tensor by rank 0's.
    virtual void broadcastFromRoot(std::vector<torch::Tensor>& tensors) = 0;
    // Rank 0 hands a text to every rank (the others' `text` is replaced); for the run's
    // assignment (experiment, folder, resume point), not for tensors. The other ranks wait
    // for it as long as rank 0 lives (it may be preparing data).
    virtual void shareText(const std::string& key, std::string& text) = 0;
    // The other ranks wait here, as long as rank 0 lives, until rank 0 gets here too: work
    // only rank 0 does (validation, checkpoints, evaluation) may take longer than the
    // collectives' timeout.
    virtual void syncWithRoot() = 0;
};

} // namespace cpo::train
