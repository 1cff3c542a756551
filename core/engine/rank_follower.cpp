#include "engine/rank_follower.h"

#include "engine/run_session.h"
#include "train/collective.h"
#include "util/log.h"

#include <spdlog/fmt/fmt.h>

#include <filesystem>
#include <system_error>
#include <unistd.h>

namespace cpo::engine {

RunSummary followRankZero(train::Collective& collective, int localRank)
{
    namespace fs = std::filesystem;
    const auto scratch = fs::temp_directory_path() /
                         fmt::format("cpo-rank{}-{}", collective.rank(), ::getpid());
    // Whatever it was built with, the session takes the run from rank 0 (RunSession).
    RunSession session(ExperimentConfig{}, scratch);
    session.setDataParallel(&collective, localRank);
    const auto summary = session.run();
    std::error_code ignored;
    fs::remove_all(scratch, ignored);
    log::get("dist")->info("rank {} of {}: {} ({})", collective.rank(), collective.worldSize(),
                           toString(summary.outcome), summary.message);
    return summary;
}

} // namespace cpo::engine
