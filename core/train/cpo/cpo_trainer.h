#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/batching.h"
#include "train/collective.h"
#include "train/cpo/cpo_events.h"
#include "train/cpo/cpo_options.h"
#include "train/cpo/health_monitor.h"
#include "train/cpo/reference_cache.h"
#include "train/mle_trainer.h"
#include "train/negatives/negative_sampler.h"
#include "train/phase_checkpoints.h"
#include "train/run_control.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>

namespace cpo::train {

using CpoResult = PhaseResult;

// The CPO phase (DESIGN.md §1) on π_θ = `policy`, against π_ref = `reference`.
//
// Each step, for each micro-batch: K − 1 negatives per example from the sampler (seeded from
// options.seed, the step and the micro-batch, so a resumed run draws the same ones); π_ref
// log-probs of every candidate, reused where free (the sampler's, y1's from the per-example
// cache) and otherwise computed with the prompt shared; π_θ log-probs with the prompt shared
// and gradients; the contrastive loss (ranked by similarity when options.ranking) plus
// λ·NLL(y1), summed over the examples and divided by the examples of the whole step. AdamW
// with the schedule, clipping and accumulation as in MleTrainer.
//
// Events: CpoStepMetrics every metricsEvery steps (with the health checks), a SampleSet every
// samplesEvery steps, HealthAlerts, CheckpointSaved, and with a validation set (setValidation)
// ValidationMetrics every evalEvery steps and at the end. Non-finite loss or gradient: the step is
// not applied, a NonFiniteLoss alert is emitted, no checkpoint is written, and run() returns
// Failed. The run control is asked between steps, as in MleTrainer (stop: checkpoint, then
// Stopped; cancel: Cancelled; pause: wait); resume()
// continues with the same data, negatives and optimizer state.
//
// The trainer keeps views of `train` and the validation set: they must outlive it.
class CpoTrainer {
public:
    // reference: a frozen deep copy (null: a clone of policy is made now). embedding: the
    // ranking embedding model (null: π_ref).
    CpoTrainer(model::CausalLM policy, model::CausalLM reference,
               std::span<const data::TokenizedExample> train, CpoOptions options,
               std::filesystem::path checkpointRoot, model::CausalLM embedding = nullptr);

    void setEventCallback(CpoEventCallback callback) { m_onEvent = std::move(callback); }
    // Asked between steps (stop, cancel, pause); may be steered from other threads.
    void setControl(RunControl* control) { m_control = control; }
    void setLossTransform(LossTransform transform) { m_lossTransform = std::move(transform); }
    // Data-parallel training (train/data_parallel.h): this rank samples negatives, scores
    // π_ref and trains on its slice of every batch (BN draws from the slice), gradients and
    // metrics are summed over the ranks, and only rank 0 validates and writes checkpoints.
    // Throws cpo::Error when the batch cannot give every rank an example. Null: one process.
    // Before resume(), which replays this rank's slices into the sampler's memory.
    void setCollective(Collective* collective);
    // Held-out examples for the validation loss of π_θ (none: no validation).
    void setValidation(std::span<const data::TokenizedExample> validation)
    {
        m_validation = validation;
    }

    // Continues from a checkpoint folder this phase wrote. Throws CheckpointError (Mismatch)
    // when another phase or other settings wrote it.
    void resume(const std::filesystem::path& checkpoint);

    CpoResult run();

    std::int64_t step() const { return m_step; }
    std::uint64_t configHash() const { return m_configHash; }
    const model::CausalLM& policy() const { return m_policy; }
    const model::CausalLM& reference() const { return m_reference; }

private:
    struct StepOutcome {
        std::optional<CpoStepMetrics> metrics;
        std::optional<SampleSet> samples;
        std::string failure;
    };
    StepOutcome trainStep();
    void checkHealth(const CpoStepMetrics& metrics); // emits what m_health raises
    std::filesystem::path writeCheckpoint();
    void emit(const CpoEvent& event) const;

    model::CausalLM m_policy;
    model::CausalLM m_reference;
    model::CausalLM m_embedding;
    std::span<const data::TokenizedExample> m_train;
    std::span<const data::TokenizedExample> m_validation;
    CpoOptions m_options;
    std::unique_ptr<torch::optim::AdamW> m_optimizer;
    std::unique_ptr<negatives::NegativeSampler> m_sampler;
    BatchSampler m_batches;
    ReferenceCache m_referenceCache;
    std::uint64_t m_configHash = 0;
    PhaseCheckpoints m_checkpoints;
    std::int64_t m_step = 0;
    HealthMonitor m_health{m_options.health}; // after m_options, which it is built from
    CpoEventCallback m_onEvent;
    RunControl* m_control = nullptr;
    LossTransform m_lossTransform;
    Collective* m_collective = nullptr;
};

} // namespace cpo::train
