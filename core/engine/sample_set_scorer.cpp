#include "engine/sample_set_scorer.h"

#include "oracle/oracle_task.h"
#include "engine/alpha_sweep_session.h"
#include "engine/prepared_data.h"
#include "hub/hub_fetch.h"
#include "model/hf_folder.h"
#include "store/candidate_score_store.h"
#include "store/run_store.h"
#include "train/cpo/candidate_scoring.h"
#include "train/tensor_rows.h"
#include "util/error.h"

#include <torch/torch.h>

#include <numeric>
#include <optional>

namespace cpo::engine {
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const tokenize::Tokenizer> runTokenizer(const ExperimentConfig& config,
                                                        const fs::path& runDir)
{
    if (config.dataset.kind == DatasetKind::Oracle)
        return std::make_shared<data::OracleTokenizer>(config.dataset.oracle.symbols);
    const auto withRun = withRunTokenizer(config, runDir);
    if (withRun.tokenizer && !withRun.tokenizer->path.empty())
        return tokenize::loadTokenizer(
            hub::resolvePath(withRun.tokenizer->path, hub::HubContent::Tokenizer).path);
    if (!withRun.model.path.empty())
        return tokenize::loadTokenizer(
            hub::resolvePath(withRun.model.path, hub::HubContent::Model).path);
    throw Error("run folder " + runDir.string() + ": its experiment names no tokenizer");
}

} // namespace

struct SampleSetScorer::Impl {
    fs::path runDir;
    fs::path db;
    ExperimentConfig config;
    std::shared_ptr<const tokenize::Tokenizer> tokenizer;
    bool oracle = false;
    std::optional<store::RunStore> store;
    model::CausalLM reference;
    fs::path policyPath;
    model::CausalLM policy;

    model::CausalLM& loadReference()
    {
        if (reference)
            return reference;
        fs::path folder;
        if (config.mle) {
            const auto last = lastPhaseCheckpoint(runDir, "mle");
            if (!last)
                throw Error("run folder " + runDir.string()
                            + ": no MLE checkpoint, the reference CPO trained against");
            folder = *last;
        } else if (!config.model.path.empty()) {
            folder = hub::resolvePath(config.model.path, hub::HubContent::Model).path;
        } else {
            throw Error("run folder " + runDir.string() + ": no reference model to score "
                        "against (neither an MLE phase nor model.path)");
        }
        reference = model::loadHfModel(folder, torch::Device(torch::kCPU));
        reference->eval();
        return reference;
    }

    model::CausalLM& loadPolicy(const fs::path& checkpoint)
    {
        if (policy && policyPath == checkpoint)
            return policy;
        if (!fs::is_directory(checkpoint))
            throw Error("checkpoint " + checkpoint.string() + " is missing: it was deleted or "
                        "the run folder moved");
        policy = model::loadHfModel(checkpoint, torch::Device(torch::kCPU));
        policy->eval();
        policyPath = checkpoint;
        return policy;
    }
};

SampleSetScorer::SampleSetScorer(fs::path runDir, fs::path db) : m_impl(std::make_unique<Impl>())
{
    m_impl->config = loadRunExperiment(runDir);
    m_impl->tokenizer = runTokenizer(m_impl->config, runDir);
    m_impl->oracle = m_impl->config.dataset.kind == DatasetKind::Oracle;
    m_impl->runDir = std::move(runDir);
    m_impl->db = std::move(db);
}

SampleSetScorer::~SampleSetScorer() = default;
SampleSetScorer::SampleSetScorer(SampleSetScorer&&) noexcept = default;
SampleSetScorer& SampleSetScorer::operator=(SampleSetScorer&&) noexcept = default;

bool SampleSetScorer::tokensAsIds() const { return m_impl->oracle; }

std::vector<std::string> SampleSetScorer::tokenPieces(std::span<const std::int32_t> ids) const
{
    std::vector<std::string> pieces;
    pieces.reserve(ids.size());
    for (const auto id : ids)
        pieces.push_back(m_impl->oracle ? std::to_string(id)
                                        : m_impl->tokenizer->decode(std::span(&id, 1)));
    return pieces;
}

store::SampleSetRecord SampleSetScorer::scoreUnder(const store::SampleSetRecord& set,
                                                   const std::string& phase, std::int64_t step,
                                                   const fs::path& checkpoint)
{
    auto& impl = *m_impl;
    if (!impl.store)
        impl.store.emplace(impl.db);
    store::CandidateScoreStore scores(impl.store->database());
    auto known = scores.read(set.id, phase, step);
    if (known.size() != set.candidates.size()) {
        const double beta = impl.config.cpo ? impl.config.cpo->beta : 1.0;
        std::vector<train::Tokens> prompts{impl.tokenizer->encode(set.prompt)};
        if (prompts.front().empty())
            throw Error("sample set " + std::to_string(set.id) + " has an empty prompt");
        std::vector<train::Tokens> continuations;
        std::vector<std::size_t> scored; // candidates with tokens (an empty one is not scored)
        for (std::size_t i = 0; i < set.candidates.size(); ++i)
            if (!set.candidates[i].tokenIds.empty()) {
                continuations.push_back(set.candidates[i].tokenIds);
                scored.push_back(i);
            }
        const std::vector<std::int64_t> owner(continuations.size(), 0);
        const train::ScoringRequest request{prompts, continuations, owner};
        torch::NoGradGuard noGrad;
        const auto policyTokens = train::scoreSharedPrompts(*impl.loadPolicy(checkpoint), request)
                                      .tokens.to(torch::kCPU, torch::kFloat32)
                                      .contiguous();
        const auto referenceTokens = train::scoreSharedPrompts(*impl.loadReference(), request)
                                         .tokens.to(torch::kCPU, torch::kFloat32)
                                         .contiguous();
        known.clear();
        for (std::size_t row = 0; row < scored.size(); ++row) {
            const auto& candidate = set.candidates[scored[row]];
            store::CandidateScoreRecord record;
            record.sampleSetId = set.id;
            record.idx = candidate.idx;
            record.checkpointPhase = phase;
            record.checkpointStep = step;
            const auto r = static_cast<std::int64_t>(row);
            record.logpTheta = train::floatRow(policyTokens, r, candidate.tokenIds.size());
            record.logpRef = train::floatRow(referenceTokens, r, candidate.tokenIds.size());
            const double theta =
                std::accumulate(record.logpTheta.begin(), record.logpTheta.end(), 0.0);
            const double ref = std::accumulate(record.logpRef.begin(), record.logpRef.end(), 0.0);
            record.reward = beta * (theta - ref);
            known.push_back(std::move(record));
        }
        scores.put(known);
    }
    store::SampleSetRecord out = set;
    for (auto& candidate : out.candidates) {
        candidate.logpTheta.clear();
        candidate.logpRef.clear();
        candidate.reward.reset();
        for (const auto& record : known)
            if (record.idx == candidate.idx) {
                candidate.logpTheta = record.logpTheta;
                candidate.logpRef = record.logpRef;
                candidate.reward = record.reward;
            }
    }
    return out;
}

} // namespace cpo::engine
