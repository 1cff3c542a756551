#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/batching.h"
#include "train/collective.h"
#include "train/phase_checkpoints.h"
#include "train/phase_loop.h"
#include "train/phase_events.h"
#include "train/run_control.h"
#include "train/train_options.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>

namespace cpo::train {

using MleEvent = std::variant<StepMetrics, ValidationMetrics, CheckpointSaved>;
using MleEventCallback = std::function<void(const MleEvent&)>;

using MleResult = PhaseResult;

// Rewrites the loss of a micro-batch of optimizer step `step` (1-based) before it is checked
// and back-propagated. A test hook (inject a NaN at a chosen step); runs leave it unset.
using LossTransform = std::function<torch::Tensor(std::int64_t step, const torch::Tensor& loss)>;

// The MLE phase on a causal LM: next-token cross-entropy on continuation tokens only (the
// prompt is masked out), AdamW (weight decay on matrices, not on biases and norms), the
// learning-rate schedule set every step, global grad-norm clipping, gradient accumulation
// (each micro-batch's summed NLL is divided by the continuation tokens of the whole step, so
// the accumulated gradient is exactly the big batch's). Validation loss and perplexity before
// the first step of a fresh run, every evalEvery steps and at the end; checkpoints every
// checkpointEvery steps and at the end.
//
// Non-finite loss or gradient: the step is not applied, no checkpoint is written (the last
// one stays the last good one), and run() returns Failed with the step and what was not
// finite. The run control (setControl) is asked between steps: a stop lets the current step
// finish, writes a checkpoint and returns Stopped; a cancel returns Cancelled without one; a
// pause waits there. resume() + run() then continues exactly: the same
// weights, bit for bit, as a run that was never interrupted (on the same device and threads).
//
// The trainer keeps views of `train` and `validation`: they must outlive it. The data order
// comes from options.seed; MLE itself draws no random numbers.
class MleTrainer {
public:
    MleTrainer(model::CausalLM model, std::span<const data::TokenizedExample> train,
               std::span<const data::TokenizedExample> validation, MleOptions options,
               std::filesystem::path checkpointRoot);

    void setEventCallback(MleEventCallback callback) { m_onEvent = std::move(callback); }
    // Asked between steps (stop, cancel, pause); may be steered from other threads.
    void setControl(RunControl* control) { m_control = control; }
    void setLossTransform(LossTransform transform) { m_lossTransform = std::move(transform); }
    // Data-parallel training (train/data_parallel.h): this rank trains on its slice of every
    // batch, gradients are summed over the ranks, and only rank 0 validates and writes
    // checkpoints. Throws cpo::Error when the batch cannot give every rank an example. Null:
    // one process.
    void setCollective(Collective* collective);

    // Continues from a checkpoint folder that this phase wrote: weights, optimizer moments,
    // step, data cursor and the torch generator. Throws CheckpointError (Mismatch) when it
    // was written by another phase or under other settings (config hash).
    void resume(const std::filesystem::path& checkpoint);

    MleResult run();
    // Validation loss on the first evalExamples validation examples (all when 0); leaves the
    // model in the mode it was in.
    std::optional<ValidationMetrics> validate();

    std::int64_t step() const { return m_step; }
    // A hash of what a resumed run must share with the one that wrote the checkpoint: the
    // model config, the options that shape the updates, and the training set.
    std::uint64_t configHash() const { return m_configHash; }
    const torch::optim::AdamW& optimizer() const { return *m_optimizer; }

private:
    struct StepOutcome {
        std::optional<StepMetrics> metrics; // empty when the step was refused
        std::string failure;
    };
    StepOutcome trainStep();
    torch::Tensor summedNll(const Batch& batch);
    std::filesystem::path writeCheckpoint();
    void emit(const MleEvent& event) const;

    model::CausalLM m_model;
    std::span<const data::TokenizedExample> m_train;
    std::span<const data::TokenizedExample> m_validation;
    MleOptions m_options;
    std::unique_ptr<torch::optim::AdamW> m_optimizer;
    BatchSampler m_sampler;
    std::uint64_t m_configHash = 0;
    PhaseCheckpoints m_checkpoints;
    std::int64_t m_step = 0;
    MleEventCallback m_onEvent;
    RunControl* m_control = nullptr;
    LossTransform m_lossTransform;
    Collective* m_collective = nullptr;
};

} // namespace cpo::train
