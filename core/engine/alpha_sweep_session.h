#pragma once

#include "engine/experiment.h"
#include "util/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// The α sweep of a finished run, as `cpo ensemble sweep` and the app's α view run it: the
// weight-space ensembles α·θ_MLE + (1 − α)·θ_CPO evaluated in memory on the run's held-out
// split. Plain values in this header (no LibTorch), so a view can include it.
namespace cpo::engine {

struct AlphaSweepRequest {
    std::filesystem::path runDir;   // a folder `cpo run` wrote (its experiment.json)
    std::filesystem::path mleModel; // θ_MLE: a model folder
    std::filesystem::path cpoModel; // θ_CPO: a model folder
    std::vector<double> alphas;     // weights of θ_MLE, in the order evaluated
    bool testSplit = false;         // the test split, else validation
    std::int64_t examples = 0;      // the split's first N examples (0: all)
    std::string device;             // "" = the experiment's
    std::int64_t batchSize = 32;    // examples per forward pass
    std::optional<std::uint64_t> seed; // of the oracle samples (default: the experiment's)
    bool oracle = true;             // on the oracle task, also the teacher's score of samples
    bool experimentThreads = true;  // run with the experiment's thread count, when it has one
    // A judge config file: each α's continuations are also judged against the ground truth.
    // The points are stored in `db` when the run folder is one of its runs.
    std::filesystem::path judgeFile;
    std::filesystem::path db;
};

struct AlphaHeldOut {
    double loss = 0.0;       // NLL per continuation token
    double perplexity = 0.0;
    std::int64_t tokens = 0;
};

struct AlphaOracle {
    double logLikelihoodPerToken = 0.0; // the teacher's, over well-formed samples
    double wellFormed = 0.0;            // share of samples the teacher could have produced
    std::int64_t samples = 0;
};

// Win rate against the ground truth with its 95 % Wilson interval (with a judge).
struct AlphaWinRate {
    double rate = 0.0;
    double ciLow = 0.0;
    double ciHigh = 0.0;
    std::int64_t n = 0;
    double lengthControlled = 0.5;
    std::int64_t failures = 0;
};

struct AlphaPoint {
    double alpha = 0.0;
    std::optional<AlphaHeldOut> heldOut;
    std::optional<AlphaOracle> oracle;
    std::optional<AlphaWinRate> winRate;
    double seconds = 0.0;
};

struct AlphaSweepResult {
    std::vector<AlphaPoint> points; // one per α, in the request's order
    std::size_t examples = 0;       // evaluated
    std::size_t available = 0;      // in the split
    bool withOracle = false;
    std::string device;
    std::string judge;                    // the judge's name; "" without one
    std::optional<std::size_t> bestPoint; // the highest win rate (the first of equals)
    bool stored = false;                  // the judged points landed in the store
    bool cancelled = false; // stopped before its last α: `points` are those finished
};

// After each α: `done` of `total` finished, `point` the one just finished.
using AlphaSweepProgress =
    std::function<void(std::size_t done, std::size_t total, const AlphaPoint& point)>;
// Asked before each α (from the sweep's thread): true cancels the sweep there.
using AlphaSweepStop = std::function<bool()>;

// The two models cannot be swept together (architecture or shape differ) or the α list is
// bad: what() is the reason alone, and the caller names the models as its user knows them.
class AlphaSweepModelsError : public Error {
public:
    using Error::Error;
};

// The experiment a run folder was run with; throws cpo::Error when it is not a run folder.
ExperimentConfig loadRunExperiment(const std::filesystem::path& runDir);

// The checkpoint a phase of the run ended with (its highest step), if it wrote one.
std::optional<std::filesystem::path> lastPhaseCheckpoint(const std::filesystem::path& runDir,
                                                         std::string_view phase);

// Loads both models, rebuilds the held-out split as the run built it (nothing is written into
// the run folder) and evaluates each α. A sweep that `stop` cancels between two α keeps what
// it finished: those points are returned and, judged, stored as the sweep (a cancel before
// the first α stores nothing). Throws AlphaSweepModelsError for models that cannot be
// interpolated or a bad α list, cpo::Error for the rest (an empty split, say).
AlphaSweepResult runAlphaSweep(const AlphaSweepRequest& request,
                               const AlphaSweepProgress& progress = {},
                               const std::function<void(const std::string&)>& status = {},
                               const AlphaSweepStop& stop = {});

} // namespace cpo::engine
