#include "train/phase_checkpoints.h"

#include "model/model_config.h"
#include "util/hash.h"

#include <fmt/format.h>

#include <utility>

namespace cpo::train {

std::uint64_t resumeHash(const model::ModelConfig& config, const OptimizerOptions& optimizer,
                         nlohmann::json phaseSettings,
                         std::span<const data::TokenizedExample> train)
{
    const auto& o = optimizer;
    phaseSettings["model"] = model::configToJson(config);
    phaseSettings["optimizer"] = {o.lr,          o.weightDecay, o.beta1,
                                  o.beta2,       o.eps,         o.warmupSteps,
                                  static_cast<int>(o.schedule), o.minLrRatio, o.gradClip};
    std::uint64_t hash = fnv1a64(phaseSettings.dump());
    hash = fnv1a64(static_cast<std::uint64_t>(train.size()), hash);
    for (const auto& example : train)
        hash = fnv1a64(example.hash, hash);
    return hash;
}

PhaseCheckpoints::PhaseCheckpoints(std::string phase, std::filesystem::path root,
                                   std::uint64_t configHash, std::string settingsName)
    : m_phase(std::move(phase)), m_root(std::move(root)), m_configHash(configHash),
      m_settingsName(std::move(settingsName))
{
}

TrainingState PhaseCheckpoints::restore(const std::filesystem::path& checkpoint,
                                        model::CausalLMImpl& model,
                                        torch::optim::Optimizer& optimizer)
{
    TrainingState state = readTrainingState(checkpoint);
    if (state.phase != m_phase)
        throw CheckpointError(CheckpointError::Kind::Mismatch,
                              fmt::format("{}: a checkpoint of the '{}' phase cannot resume "
                                          "the '{}' phase", checkpoint.string(), state.phase,
                                          m_phase));
    if (state.configHash != m_configHash)
        throw CheckpointError(CheckpointError::Kind::Mismatch,
                              fmt::format("{}: written under other settings (config hash "
                                          "{:016x}, this run {:016x}): the model, the training "
                                          "set or {} differ. Restore them, or start a new run "
                                          "from the checkpoint's weights",
                                          checkpoint.string(), state.configHash, m_configHash,
                                          m_settingsName));
    loadCheckpointWeights(checkpoint, model);
    restoreOptimizer(optimizer, state.optimizer);
    if (state.torchRng.numel() > 0)
        restoreTorchRng(state.torchRng);
    m_last = checkpoint;
    m_lastStep = state.step;
    return state;
}

std::filesystem::path PhaseCheckpoints::write(std::int64_t step, const DataCursor& cursor,
                                              const model::CausalLMImpl& model,
                                              const torch::optim::Optimizer& optimizer,
                                              std::string phaseState)
{
    const auto folder = checkpointFolder(m_root, step);
    m_last = folder;
    m_lastStep = step;
    if (!m_writes)
        return folder;
    TrainingState state;
    state.phase = m_phase;
    state.step = step;
    state.configHash = m_configHash;
    state.cursor = cursor;
    state.torchRng = captureTorchRng();
    state.optimizer = serializeOptimizer(optimizer);
    state.phaseState = std::move(phaseState);
    saveCheckpoint(folder, model, state);
    return folder;
}

std::string PhaseCheckpoints::lastGoodText() const
{
    return m_last ? "the last good checkpoint is " + m_last->string()
                  : std::string("no checkpoint was written yet");
}

} // namespace cpo::train
