#pragma once

#include "store/database.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

// The evaluation tables of the run store: evaluations with their generations, α sweeps with
// their points, and human votes. (Judgments, the judges' cache, are in run_store.h.)
namespace cpo::store {

// One model evaluated on one prompt set by one judge.
struct EvaluationRecord {
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string evalSet;    // the split ("test", "validation")
    std::string modelLabel; // "mle", "cpo", "alpha=0.5"
    std::optional<double> alpha;
    std::int64_t step = 0;  // the training step of the weights evaluated
    std::string judge;      // the judge's name
    std::string decodingJson; // temperature, top-k, top-p, seed, max tokens
    std::string summaryJson;  // win rate, interval, counts, ... ({} until judged)
    std::int64_t createdAt = 0;
};

// One generated continuation and the judge's verdict against the ground truth.
struct GenerationRecord {
    std::int64_t id = 0;
    std::int64_t evaluationId = 0;
    std::string exampleHash; // the example's identity (hex:index), the same across models
    std::string prompt;
    std::string reference;
    std::string text;
    std::string category;
    std::int64_t tokens = 0;
    std::int64_t referenceTokens = 0;
    std::optional<std::string> verdict; // "win", "tie", "loss"; none when the judge failed
    std::string judgeDetail;            // why it failed (with the raw answer), or empty
    std::int64_t createdAt = 0;
};

struct AlphaPointRecord {
    double alpha = 0.0;
    std::optional<std::int64_t> evaluationId;
    std::int64_t wins = 0;
    std::int64_t ties = 0;
    std::int64_t losses = 0;
    double winRate = 0.0;
    double ciLow = 0.0;
    double ciHigh = 0.0;
};

struct AlphaSweepRecord {
    std::int64_t id = 0;
    std::int64_t runId = 0;
    std::string evalSet;
    std::string judge;
    std::int64_t createdAt = 0;
    std::vector<AlphaPointRecord> points; // by alpha
};

// A blind A/B vote: which of the two texts a person preferred, as they were shown.
struct HumanVoteRecord {
    std::int64_t id = 0;
    std::int64_t generationId = 0;
    bool orderAb = true; // true: the model's text was shown as A, the reference as B
    std::string choice;  // "a", "b", "tie"
    std::string voter;
    std::int64_t createdAt = 0;
};

// Typed access to those tables over a connection the caller owns (a RunStore's, on its
// thread). Every failure throws cpo::Error naming the file.
class EvaluationStore {
public:
    explicit EvaluationStore(Database& db) : m_db(db) {}

    // The evaluation and its generations in one transaction; returns the evaluation's id.
    std::int64_t insertEvaluation(const EvaluationRecord& evaluation,
                                  std::span<const GenerationRecord> generations);
    std::vector<EvaluationRecord> evaluations(std::int64_t runId); // by step, then id
    std::vector<GenerationRecord> generations(std::int64_t evaluationId); // by id

    std::int64_t insertAlphaSweep(const AlphaSweepRecord& sweep);
    std::vector<AlphaSweepRecord> alphaSweeps(std::int64_t runId); // by id

    std::int64_t addHumanVote(const HumanVoteRecord& vote);
    // Takes a vote back (the voting panel's undo); a vote already gone is no error.
    void removeHumanVote(std::int64_t voteId);
    // Every vote on the evaluation's generations, by id.
    std::vector<HumanVoteRecord> humanVotes(std::int64_t evaluationId);

private:
    Database& m_db;
};

} // namespace cpo::store
