#pragma once

#include "data/examples.h"
#include "model/causal_lm.h"
#include "train/checkpoint.h"
#include "train/train_options.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>

namespace cpo::train {

// What a phase's checkpoints must share with the run that resumes from them: the model's
// config, the optimizer settings, the phase's own update-shaping settings (`phaseSettings`, a
// JSON object; cadences of metrics, samples and checkpoints stay out so they may change) and
// every training example.
std::uint64_t resumeHash(const model::ModelConfig& config, const OptimizerOptions& optimizer,
                         nlohmann::json phaseSettings,
                         std::span<const data::TokenizedExample> train);

// The checkpoints of one training phase, shared by the MLE and CPO trainers: writing one
// (the model as a Hugging Face folder plus the training state), resuming from one only if this
// phase wrote it under the same settings, and remembering the last good one.
class PhaseCheckpoints {
public:
    // phase: "mle" | "cpo"; configHash: of what must not change across a resume;
    // settingsName: what differs when the hash does, for the message ("the MLE options").
    PhaseCheckpoints(std::string phase, std::filesystem::path root, std::uint64_t configHash,
                     std::string settingsName);

    // Loads the weights, optimizer moments and torch generator of `checkpoint` and returns its
    // training state (step, data cursor) for the trainer's own parts. Throws CheckpointError
    // (Mismatch) when another phase or other settings wrote it.
    TrainingState restore(const std::filesystem::path& checkpoint, model::CausalLMImpl& model,
                          torch::optim::Optimizer& optimizer);

    // Writes the checkpoint of `step` under root/step-NNNNNNNN and returns the folder;
    // `phaseState` is the trainer's own, handed back by restore() in TrainingState.
    std::filesystem::path write(std::int64_t step, const DataCursor& cursor,
                                const model::CausalLMImpl& model,
                                const torch::optim::Optimizer& optimizer,
                                std::string phaseState = {});

    // Off on the ranks of a data-parallel run other than 0: write() then only remembers the
    // step (rank 0 writes the same weights), so the loop's bookkeeping stays the same.
    void setWrites(bool writes) { m_writes = writes; }

    // Whether the last checkpoint already holds `step` (no need to write it again).
    bool holds(std::int64_t step) const { return m_lastStep == step; }
    const std::optional<std::filesystem::path>& last() const { return m_last; }
    // For failure messages: "the last good checkpoint is DIR" or that none was written yet.
    std::string lastGoodText() const;

private:
    std::string m_phase;
    std::filesystem::path m_root;
    std::uint64_t m_configHash;
    std::string m_settingsName;
    std::optional<std::filesystem::path> m_last;
    std::optional<std::int64_t> m_lastStep;
    bool m_writes = true;
};

} // namespace cpo::train
