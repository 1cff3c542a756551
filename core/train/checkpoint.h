#pragma once

#include "model/causal_lm.h"
#include "train/batching.h"
#include "train/training_state_file.h"
#include "util/error.h"

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace cpo::train {

// A checkpoint is a folder: the model as an HF folder (config.json + model.safetensors, so
// any HF tool or `cpo` command loads it as it stands) plus training_state.bin, everything
// else a run needs to continue exactly where it was.
//
// training_state.bin: train/training_state_file.h. checksums.sha256 (model/checksums.h) covers
// every file of the folder.

struct TrainingState {
    std::string phase;            // "mle" (later "cpo")
    std::int64_t step = 0;        // optimizer steps completed
    std::uint64_t configHash = 0; // of what must not change across a resume
    DataCursor cursor;
    torch::Tensor torchRng;       // the default CPU generator's state (uint8)
    std::string optimizer;        // serializeOptimizer()'s bytes
    std::string phaseState;       // what else the phase's trainer needs ("" for MLE)
};

// Writes the folder atomically: everything goes to a hidden sibling folder that is renamed
// to `folder` once complete, so a crash never leaves a half-written checkpoint under the
// final name. An existing folder of that name is replaced only after the new one is whole.
void saveCheckpoint(const std::filesystem::path& folder, const model::CausalLMImpl& model,
                    const TrainingState& state);

// training_state.bin of a checkpoint folder. Throws CheckpointError: Missing, BadMagic,
// UnsupportedVersion, Truncated or Corrupt, each naming the file.
TrainingState readTrainingState(const std::filesystem::path& folder);
void writeTrainingStateFile(const std::filesystem::path& file, const TrainingState& state);
TrainingState readTrainingStateFile(const std::filesystem::path& file);

// Copies the checkpoint's weights into `model` in place (its parameters stay the same
// tensors, so an optimizer built on them stays valid). Throws CheckpointError (Mismatch)
// when the checkpoint's config.json describes another model.
void loadCheckpointWeights(const std::filesystem::path& folder, model::CausalLMImpl& model);

// LibTorch's archive of an optimizer's state, as bytes, and back. The optimizer restored
// into must hold the same parameters in the same order.
std::string serializeOptimizer(const torch::optim::Optimizer& optimizer);
void restoreOptimizer(torch::optim::Optimizer& optimizer, const std::string& bytes);

torch::Tensor captureTorchRng();
void restoreTorchRng(const torch::Tensor& state);

// root/step-00000123: names sort by step.
std::filesystem::path checkpointFolder(const std::filesystem::path& root, std::int64_t step);
// The checkpoint of the highest step under root that has a training state, if any.
std::optional<std::filesystem::path> latestCheckpoint(const std::filesystem::path& root);

} // namespace cpo::train
