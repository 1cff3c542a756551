#pragma once

#include "train/phase_events.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

// What a run reports, and how it ended: plain values with no LibTorch or Qt include, safe to
// queue to another thread; views include this header alone.
namespace cpo::engine {

// Events of a run, in the order they happen; plain values, safe to queue to another thread.
struct StatusMessage {
    std::string text; // a stage the run entered, e.g. "training a SentencePiece tokenizer"

    friend bool operator==(const StatusMessage&, const StatusMessage&) = default;
};
struct DataPrepared {
    std::string description;
    std::int64_t train = 0;
    std::int64_t validation = 0;
    std::int64_t test = 0;

    friend bool operator==(const DataPrepared&, const DataPrepared&) = default;
};
struct ModelPrepared {
    std::string description;
    std::int64_t params = 0;

    friend bool operator==(const ModelPrepared&, const ModelPrepared&) = default;
};
struct PhaseStarted {
    std::string phase; // "mle" | "cpo"
    std::int64_t steps = 0;

    friend bool operator==(const PhaseStarted&, const PhaseStarted&) = default;
};
struct PhaseEnded {
    std::string phase;
    train::PhaseOutcome outcome = train::PhaseOutcome::Finished;
    std::int64_t step = 0;
    double seconds = 0.0;
    std::string message;
    std::optional<train::ValidationMetrics> validation;
    std::optional<std::filesystem::path> checkpoint;

    friend bool operator==(const PhaseEnded&, const PhaseEnded&) = default;
};
// The run waits between two steps (paused) or goes on (resumed).
struct PauseChanged {
    bool paused = false;

    friend bool operator==(const PauseChanged&, const PauseChanged&) = default;
};
struct Alert {
    std::string kind;
    std::string message;
    std::int64_t step = 0;

    friend bool operator==(const Alert&, const Alert&) = default;
};
// A CPO sample set with its texts decoded by the run's tokenizer.
struct DecodedSampleSet {
    train::SampleSet set;
    std::string prompt;
    std::vector<std::string> candidates; // in set.candidates' order: y1 first

    friend bool operator==(const DecodedSampleSet&, const DecodedSampleSet&) = default;
};

// One model's win rate against the ground truth, with its 95 % Wilson interval.
struct ModelWinRate {
    std::string model; // "mle", "cpo", "alpha=0.5"
    double winRate = 0, ciLow = 0, ciHigh = 0;
    std::int64_t n = 0;
    std::string judge;

    friend bool operator==(const ModelWinRate&, const ModelWinRate&) = default;
};
// An evaluation (the experiment's `eval` block) was judged and stored: during a phase, that
// phase's model at `step`; after training ("final"), MLE and CPO on the same prompts and the
// α sweep's ensembles. evaluationId: the first of its rows in the store (0: not stored).
struct EvaluationFinished {
    std::string phase; // "mle" | "cpo" | "final"
    std::int64_t step = 0;
    std::int64_t evaluationId = 0;
    std::vector<ModelWinRate> results;

    friend bool operator==(const EvaluationFinished&, const EvaluationFinished&) = default;
};

// The summary line's `evaluation`: {"mle": {"win_rate", "ci_low", "ci_high", "n", "judge"},
// "cpo": {...}, "alpha=0.5": {...}}.
nlohmann::json evaluationJson(const std::vector<ModelWinRate>& results);

enum class RunOutcome { Finished, Stopped, Failed, Cancelled };
// "finished" | "stopped" | "failed" | "cancelled"
std::string_view toString(RunOutcome outcome);

struct RunSummary {
    RunOutcome outcome = RunOutcome::Finished;
    std::string message; // why it failed or stopped
    std::filesystem::path runDir;
    std::string configHash;
    std::vector<PhaseEnded> phases;
    double seconds = 0.0;
    std::int64_t runId = 0;    // its row in the run store (0 when run without a store)
    std::string resumedFrom;   // a resumed run: where it picked up, for the user; "" otherwise
    // A resumed run whose last phase had already checkpointed its last step: nothing ran, it
    // was marked finished.
    bool alreadyComplete = false;
    std::vector<ModelWinRate> evaluation; // the final evaluation's, when the run had one

    nlohmann::json toJson() const;

    friend bool operator==(const RunSummary&, const RunSummary&) = default;
};

// How a run ended: the last event a RunHost's listeners get for a run, after the recorder
// stamped the outcome in the store.
struct RunFinished {
    RunSummary summary;

    friend bool operator==(const RunFinished&, const RunFinished&) = default;
};
using RunEvent = std::variant<StatusMessage, DataPrepared, ModelPrepared, PhaseStarted,
                              train::StepMetrics, train::ValidationMetrics,
                              train::CpoStepMetrics, DecodedSampleSet,
                              train::CheckpointSaved, PhaseEnded, PauseChanged, Alert,
                              RunFinished, EvaluationFinished>;
using RunEventCallback = std::function<void(const RunEvent&)>;

} // namespace cpo::engine
