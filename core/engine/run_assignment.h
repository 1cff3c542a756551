#pragma once

#include "engine/experiment.h"
#include "engine/run_session.h"

#include <filesystem>
#include <optional>
#include <string>

namespace cpo::engine {

// What rank 0 of a data-parallel run hands the other ranks before training: the experiment
// as it runs (hub references pinned, steps scaled), its run folder (where a resumed run's
// tokenizer lies; a shared file system on a cluster) and where it resumes. The other ranks
// take all of it from here, not from their own command line.
struct RunAssignment {
    ExperimentConfig config;
    std::filesystem::path runDir;
    std::optional<ResumePoint> resumeFrom;
};

std::string toText(const RunAssignment& assignment);
// What rank 0 hands out when it has nothing to run (`cpo runs resume` of a complete run): the
// other ranks end as finished.
constexpr char kNothingToRun[] = "{}";
// Throws cpo::Error when `text` is not an assignment this version wrote (kNothingToRun is not
// one).
RunAssignment parseRunAssignment(const std::string& text);

} // namespace cpo::engine
