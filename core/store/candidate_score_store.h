#pragma once

#include "store/database.h"

#include <cstdint>
#include <span>
#include <string>
#include <vector>

// A stored sample set's candidates scored again under another checkpoint than the one that
// drew them: what the inspector shows when it follows one example through training.
namespace cpo::store {

struct CandidateScoreRecord {
    std::int64_t sampleSetId = 0;
    int idx = 0;                 // the candidate's index in its set
    std::string checkpointPhase; // "mle" | "cpo"
    std::int64_t checkpointStep = 0;
    std::vector<float> logpTheta; // per token, log π_θ under the checkpoint
    std::vector<float> logpRef;   // per token, log π_ref
    double reward = 0.0;          // β·(Σ log π_θ − Σ log π_ref)
    std::int64_t createdAt = 0;
};

// Typed access over a connection the caller owns. Failures throw cpo::Error naming the file.
class CandidateScoreStore {
public:
    explicit CandidateScoreStore(Database& db) : m_db(db) {}

    // All of one set's scores under one checkpoint, in one transaction (replacing any).
    void put(std::span<const CandidateScoreRecord> scores);
    // The set's scores under that checkpoint, by candidate index; empty when never scored.
    std::vector<CandidateScoreRecord> read(std::int64_t sampleSetId, const std::string& phase,
                                           std::int64_t checkpointStep);

private:
    Database& m_db;
};

} // namespace cpo::store
