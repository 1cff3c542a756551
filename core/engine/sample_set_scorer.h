#pragma once

#include "store/records.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

// A run's stored sample sets as the app's inspector shows them: each token's text, and the
// candidates scored again under a later checkpoint so that one example can be followed
// through training. Plain values in this header (no LibTorch): a view's worker includes it.
namespace cpo::engine {

// Lives on one thread (it holds a store connection and the loaded models).
class SampleSetScorer {
public:
    // The run's folder (experiment.json, its tokenizer and checkpoints) and the run store the
    // run is in. Throws cpo::Error when the folder is not a run folder.
    SampleSetScorer(std::filesystem::path runDir, std::filesystem::path db);
    ~SampleSetScorer();
    SampleSetScorer(SampleSetScorer&&) noexcept;
    SampleSetScorer& operator=(SampleSetScorer&&) noexcept;

    // True on the oracle task, whose symbols are shown as their ids.
    bool tokensAsIds() const;
    // Each token's text as the run's tokenizer decodes it alone ("17" on the oracle task).
    std::vector<std::string> tokenPieces(std::span<const std::int32_t> ids) const;

    // `set` with each candidate's per-token log π_θ under the checkpoint folder
    // `checkpoint` (of `phase` at `step`), log π_ref under the reference the run's CPO phase
    // trained against (the MLE phase's last checkpoint, else model.path) and its reward
    // β·(Σ log π_θ − Σ log π_ref). Computed once (the prompt is the stored text, tokenized
    // again) and kept in the store's candidate_scores; later calls read it from there.
    // Throws cpo::Error naming what is missing (a checkpoint folder, the reference).
    store::SampleSetRecord scoreUnder(const store::SampleSetRecord& set, const std::string& phase,
                                      std::int64_t step,
                                      const std::filesystem::path& checkpoint);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

} // namespace cpo::engine
