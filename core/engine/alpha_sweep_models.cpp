#include "engine/alpha_sweep_models.h"

#include "engine/alpha_sweep_session.h"
#include "hub/hub_fetch.h"
#include "train/checkpoint.h"
#include "util/error.h"

#include <spdlog/fmt/fmt.h>

namespace cpo::engine {

namespace fs = std::filesystem;

fs::path sweepModel(const fs::path& runDir, const ExperimentConfig& config,
                    std::string_view phase, const std::string& folder, std::string_view option,
                    const hub::ProgressCallback& downloads)
{
    if (!folder.empty()) {
        if (!fs::is_regular_file(fs::path(folder) / "config.json"))
            throw Error(fmt::format("{} {}: no model there (config.json is missing)", option,
                                    folder));
        return folder;
    }
    if (const auto latest = lastPhaseCheckpoint(runDir, phase))
        return *latest;
    // A run without an MLE phase started from model.path (maybe a hub:ORG/NAME@COMMIT).
    if (phase == "mle" && !config.mle && !config.model.path.empty())
        return hub::resolvePath(config.model.path, hub::HubContent::Model, downloads).path;
    throw Error(fmt::format("{} holds no {} checkpoint (step-XXXXXXXX with {}): did the run's "
                            "{} phase run? Name the checkpoint with {} DIR",
                            (runDir / phase).string(), phase, train::kTrainingStateFile, phase,
                            option));
}

} // namespace cpo::engine
