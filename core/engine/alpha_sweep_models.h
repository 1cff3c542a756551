#pragma once

#include "engine/experiment.h"
#include "hub/repo_fetcher.h"

#include <filesystem>
#include <string>
#include <string_view>

// Which two models an α sweep of a run interpolates, as `cpo ensemble sweep` and the app's α
// view choose them by default.
namespace cpo::engine {

// One side of the sweep: `folder` when given (it must hold a model's config.json), else the
// run's last checkpoint of `phase` ("mle" or "cpo"). The MLE side of a run without an MLE
// phase is the model it started from (model.path; a Hub reference is fetched, reporting to
// `downloads`). Throws cpo::Error naming `option`, where the user sets this side ("--mle"),
// when there is no model to take.
std::filesystem::path sweepModel(const std::filesystem::path& runDir,
                                 const ExperimentConfig& config, std::string_view phase,
                                 const std::string& folder, std::string_view option,
                                 const hub::ProgressCallback& downloads = {});

} // namespace cpo::engine
