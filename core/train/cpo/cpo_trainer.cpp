#include "train/cpo/cpo_trainer.h"
#include "train/optimizer.h"

#include "model/autocast_scope.h"
#include "model/cuda_peak_memory.h"
#include "model/model_config.h"
#include "train/checkpoint.h"
#include "train/cpo/candidate_batch.h"
#include "train/cpo/candidate_scoring.h"
#include "train/cpo/cpo_loss.h"
#include "train/cpo/cpo_metrics.h"
#include "train/data_parallel.h"
#include "train/lr_schedule.h"
#include "train/negatives/sampler_factory.h"
#include "train/phase_loop.h"
#include "train/tensor_rows.h"
#include "util/elapsed.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace cpo::train {
namespace {

constexpr char kPhase[] = "cpo";

using Clock = std::chrono::steady_clock;

CpoOptions validated(const CpoOptions& options)
{
    const auto atLeast = [](std::int64_t value, std::int64_t minimum, const char* field) {
        if (value < minimum)
            throw Error(fmt::format("cpo.{} is {}; it must be at least {}", field, value,
                                    minimum));
    };
    atLeast(options.steps, 1, "steps");
    atLeast(options.batchSize, 1, "batch_size");
    atLeast(options.gradAccumulation, 1, "grad_accumulation");
    atLeast(options.k, 2, "k");
    atLeast(options.metricsEvery, 1, "metrics_every");
    atLeast(options.samplesEvery, 0, "samples_every");
    atLeast(options.checkpointEvery, 0, "checkpoint_every");
    if (!(options.beta > 0.0) || !std::isfinite(options.beta))
        throw Error(fmt::format("cpo.beta is {}; it must be a positive number", options.beta));
    if (!(options.lambdaMle >= 0.0))
        throw Error(fmt::format("cpo.lambda_mle is {}; it must be >= 0", options.lambdaMle));
    validate(options.optimizer);
    return options;
}

std::uint64_t computeConfigHash(const model::ModelConfig& config, const CpoOptions& o,
                                std::span<const data::TokenizedExample> train)
{
    // Metric, sample and checkpoint cadence may change on resume.
    const auto& s = o.sampler;
    return resumeHash(config, o.optimizer,
                      {{"steps", o.steps},
                       {"batch_size", o.batchSize},
                       {"grad_accumulation", o.gradAccumulation},
                       {"k", o.k},
                       {"beta", o.beta},
                       {"lambda_mle", o.lambdaMle},
                       {"ranking", o.ranking},
                       {"seed", o.seed},
                       {"eos", o.eosId},
                       {"sampler",
                        {static_cast<int>(s.kind), s.mixWeights, s.mnFraction,
                         s.an.sampling.temperature, s.an.sampling.topK, s.an.sampling.topP,
                         s.an.maxNewTokens, s.an.maxRedraws, s.bnBufferCapacity}}},
                      train);
}

std::string describeNonFinite(double value)
{
    return std::isnan(value) ? "NaN" : (value > 0 ? "+infinity" : "-infinity");
}

} // namespace

CpoTrainer::CpoTrainer(model::CausalLM policy, model::CausalLM reference,
                       std::span<const data::TokenizedExample> train, CpoOptions options,
                       std::filesystem::path checkpointRoot, model::CausalLM embedding)
    : m_policy(std::move(policy)),
      m_reference(reference ? std::move(reference) : model::cloneModel(*m_policy)),
      m_embedding(embedding ? std::move(embedding) : m_reference),
      m_train(train),
      m_options(validated(options)),
      m_optimizer(makeOptimizer(*m_policy, m_options.optimizer)),
      m_sampler(negatives::makeSampler(
          negatives::withDatasetDefaults(m_options.sampler, train))),
      m_batches(train, m_options.batchSize, m_options.seed),
      m_configHash(computeConfigHash(m_policy->config(), m_options, train)),
      m_checkpoints(kPhase, std::move(checkpointRoot), m_configHash, "the CPO options")
{
    m_reference->eval();
    for (auto& p : m_reference->parameters())
        p.set_requires_grad(false);
}

void CpoTrainer::emit(const CpoEvent& event) const
{
    if (m_onEvent)
        m_onEvent(event);
}

void CpoTrainer::setCollective(Collective* collective)
{
    if (collective)
        requireShardable(m_options.batchSize, collective->worldSize(), "cpo.batch_size");
    m_collective = collective;
    m_checkpoints.setWrites(!collective || collective->rank() == 0);
}

void CpoTrainer::resume(const std::filesystem::path& checkpoint)
{
    const auto state = m_checkpoints.restore(checkpoint, *m_policy, *m_optimizer);
    // y1's π_ref values exactly as the interrupted run had cached them (a checkpoint from
    // before the cache was saved has none: those are scored again).
    if (!state.phaseState.empty())
        m_referenceCache.restore(state.phaseState, (checkpoint / kTrainingStateFile).string());
    // The sampler's memory (BN's buffer) is a function of the last batches: replay them.
    const auto perEpoch = static_cast<std::int64_t>(m_batches.batchesPerEpoch());
    const auto seen = static_cast<std::int64_t>(state.cursor.epoch) * perEpoch +
                      static_cast<std::int64_t>(state.cursor.position);
    const auto replay = std::min(seen, m_sampler->memoryBatches(m_options.batchSize));
    const auto from = seen - replay;
    m_batches.setCursor({state.cursor.seed, static_cast<std::uint64_t>(from / perEpoch),
                         static_cast<std::uint64_t>(from % perEpoch)});
    // A data-parallel rank saw only its slices (setCollective comes first).
    const int rank = m_collective ? m_collective->rank() : 0;
    const int ranks = m_collective ? m_collective->worldSize() : 1;
    for (std::int64_t i = 0; i < replay; ++i) {
        const auto indices = m_batches.next();
        const auto shard = shardOf(indices.size(), rank, ranks);
        std::vector<data::TokenizedExample> batch;
        for (std::size_t row = shard.begin; row < shard.end; ++row)
            batch.push_back(m_train[indices[row]]);
        m_sampler->observe(batch);
    }
    m_batches.setCursor(state.cursor);
    m_step = state.step;
    log::get("train")->info("resumed CPO at step {} from {}", m_step, checkpoint.string());
}

CpoTrainer::StepOutcome CpoTrainer::trainStep()
{
    const auto start = Clock::now();
    torch::AutoGradMode recordGraph(true);
    const std::int64_t stepNumber = m_step + 1;
    const double lr = learningRate(m_options.optimizer, m_step, m_options.steps);
    for (auto& group : m_optimizer->param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
    const auto device = m_policy->parameters().front().device();
    model::resetCudaPeakMemory(device);
    const double beta = m_options.beta;
    const bool wantSamples =
        m_options.samplesEvery > 0 && stepNumber % m_options.samplesEvery == 0;

    m_optimizer->zero_grad();
    const auto refuse = [&](std::string what) {
        m_optimizer->zero_grad();
        return StepOutcome{std::nullopt, std::nullopt, std::move(what)};
    };
    // The step's micro-batches first: the loss is divided by the examples of the whole step
    // (an epoch's last batch may be smaller), so accumulation gives exactly the big batch's.
    // Data-parallel: this rank keeps its slice of each; the normalisers stay the global
    // batch's and the gradients are summed over the ranks below.
    const int rank = m_collective ? m_collective->rank() : 0;
    const int ranks = m_collective ? m_collective->worldSize() : 1;
    std::vector<std::vector<data::TokenizedExample>> microBatches;
    std::vector<std::size_t> firstRows; // each slice's first row in the global micro-batch
    std::vector<double> groundTruthTokensOf; // y1 tokens of each global micro-batch
    double totalExamples = 0.0;
    for (std::int64_t micro = 0; micro < m_options.gradAccumulation; ++micro) {
        const auto indices = m_batches.next();
        const auto shard = shardOf(indices.size(), rank, ranks);
        auto& examples = microBatches.emplace_back();
        for (std::size_t row = shard.begin; row < shard.end; ++row)
            examples.push_back(m_train[indices[row]]);
        firstRows.push_back(shard.begin);
        groundTruthTokensOf.push_back(
            static_cast<double>(countTokens(m_train, indices).loss));
        totalExamples += static_cast<double>(indices.size());
    }
    std::vector<ExampleScores> scores;
    CpoStepMetrics metrics;
    std::optional<SampleSet> samples;
    double contrastiveTotal = 0.0;
    double nllTotal = 0.0;
    double groundTruthTokens = 0.0; // y1's tokens in the whole step, for the NLL per token
    for (const auto tokens : groundTruthTokensOf)
        groundTruthTokens += tokens;
    std::int64_t policyTokens = 0;
    std::string failure; // this rank's non-finite loss
    for (std::int64_t micro = 0; micro < m_options.gradAccumulation; ++micro) {
        const auto& examples = microBatches[static_cast<std::size_t>(micro)];
        if (examples.empty())
            continue; // an epoch's short last batch left this rank none
        // The negatives of (step, micro-batch, row) depend on nothing else: exact on resume,
        // and the same whichever rank holds the row.
        auto rngs = negatives::rowGenerators(
            fnv1a64(static_cast<std::uint64_t>(micro),
                    fnv1a64(static_cast<std::uint64_t>(stepNumber), m_options.seed)),
            firstRows[static_cast<std::size_t>(micro)], examples.size());
        negatives::SampleRequest request;
        request.batch = examples;
        request.counts.assign(examples.size(), m_options.k - 1);
        request.reference = m_reference.get();
        request.eosId = m_options.eosId;
        request.rngs = rngs;
        auto sampled = m_sampler->sample(request);
        m_sampler->observe(examples);
        for (std::size_t s = 0; s < negatives::kStrategyCount; ++s)
            metrics.strategies[s].redraws += sampled.redraws[s];

        const CandidateBatch candidates =
            assembleCandidates(examples, std::move(sampled), m_referenceCache);
        const auto B = candidates.examples;
        const auto K = candidates.k;
        // bf16 precision: both scoring forwards under autocast, each model by its own setting;
        // log-probs and their sums come out in float32, and backward runs after the scopes.
        const auto reference = [&] {
            const model::AutocastScope autocast(*m_reference);
            return referenceLogProbs(*m_reference, candidates, examples, m_referenceCache, device);
        }();
        const auto policy = [&] {
            const model::AutocastScope autocast(*m_policy);
            return scoreSharedPrompts(*m_policy, candidates.request());
        }();
        const auto policySums = policy.sums().view({B, K});
        const auto referenceSums = reference.sums().view({B, K});
        const auto rewards = policySums - referenceSums;
        std::optional<CandidateOrder> ranked;
        if (m_options.ranking || wantSamples)
            ranked = rankCandidates(*m_embedding, candidates);
        const auto perExample =
            contrastiveLoss(rewards, beta, m_options.ranking ? ranked->order : torch::Tensor());
        auto loss = perExample.sum() / totalExamples;
        // y1's tokens in the whole micro-batch (every rank's slice).
        const double y1Tokens = groundTruthTokensOf[static_cast<std::size_t>(micro)];
        const auto y1Nll = -policySums.select(1, 0).sum();
        if (m_options.lambdaMle > 0.0)
            loss = loss + m_options.lambdaMle * y1Nll / (y1Tokens * static_cast<double>(
                                                             m_options.gradAccumulation));
        if (m_lossTransform)
            loss = m_lossTransform(stepNumber, loss);
        const double value = loss.item<double>();
        if (!std::isfinite(value)) {
            failure = fmt::format("the loss is {} (micro-batch {} of {})",
                                  describeNonFinite(value), micro + 1,
                                  m_options.gradAccumulation);
            break;
        }
        loss.backward();

        contrastiveTotal += perExample.sum().item<double>();
        nllTotal += y1Nll.item<double>();
        for (const auto& prompt : candidates.prompts)
            policyTokens += static_cast<std::int64_t>(prompt.size());
        for (const auto& c : candidates.continuations)
            policyTokens += static_cast<std::int64_t>(c.size());

        // One copy to the host each, then plain reads (not a tensor per element).
        const auto rewardsCpu = (rewards.detach() * beta).to(torch::kCPU, torch::kFloat64);
        const auto policyCpu = policySums.detach().to(torch::kCPU, torch::kFloat64);
        const auto referenceCpu = referenceSums.detach().to(torch::kCPU, torch::kFloat64);
        const auto rewardsAt = rewardsCpu.accessor<double, 2>();
        const auto policyAt = policyCpu.accessor<double, 2>();
        const auto referenceAt = referenceCpu.accessor<double, 2>();
        const auto orderCpu = ranked ? ranked->order : torch::Tensor();
        for (std::int64_t b = 0; b < B; ++b) {
            ExampleScores e;
            for (std::int64_t k = 0; k < K; ++k) {
                e.rewards.push_back(rewardsAt[b][k]);
                e.policy.push_back(policyAt[b][k]);
                e.reference.push_back(referenceAt[b][k]);
                const auto row = static_cast<std::size_t>(b * K + k);
                e.strategies.push_back(candidates.strategies[row]);
                e.targetRank.push_back(k == 0 ? 0 : 1);
            }
            if (m_options.ranking)
                for (std::int64_t place = 1; place < K; ++place)
                    e.targetRank[static_cast<std::size_t>(
                        orderCpu.accessor<std::int64_t, 2>()[b][place])] = place;
            e.groundTruthTokens = static_cast<std::int64_t>(examples[static_cast<std::size_t>(b)]
                                                                .continuation.size());
            scores.push_back(std::move(e));
        }
        if (wantSamples && !samples) {
            SampleSet set;
            set.step = stepNumber;
            set.prompt = candidates.prompts.front();
            const auto policyTokensCpu = policy.tokens.detach().to(torch::kCPU).contiguous();
            const auto referenceTokensCpu = reference.tokens.to(torch::kCPU).contiguous();
            const auto& first = scores[scores.size() - static_cast<std::size_t>(B)];
            for (std::int64_t k = 0; k < K; ++k) {
                SampleCandidate c;
                c.tokens = candidates.continuations[static_cast<std::size_t>(k)];
                c.strategy = candidates.strategies[static_cast<std::size_t>(k)];
                c.policyLogProbs = floatRow(policyTokensCpu, k, c.tokens.size());
                c.referenceLogProbs = floatRow(referenceTokensCpu, k, c.tokens.size());
                c.reward = first.rewards[static_cast<std::size_t>(k)];
                c.similarity = ranked->similarities[static_cast<std::size_t>(k)];
                c.rank = first.targetRank[static_cast<std::size_t>(k)];
                set.candidates.push_back(std::move(c));
            }
            if (!m_options.ranking) // the similarity order, shown even when not trained on
                for (std::int64_t place = 1; place < K; ++place)
                    set.candidates[static_cast<std::size_t>(
                                       ranked->order[0][place].item<std::int64_t>())]
                        .rank = place;
            samples = std::move(set);
        }
    }

    auto totals = scoreTotals(scores);
    if (m_collective) {
        // Every rank takes part even after a non-finite loss, so all refuse the step together;
        // the metrics' sums travel with the gradients.
        std::vector<double> scalars{failure.empty() ? 0.0 : 1.0, contrastiveTotal, nllTotal,
                                    static_cast<double>(policyTokens)};
        for (const auto redraws : metrics.strategies)
            scalars.push_back(static_cast<double>(redraws.redraws));
        scalars.insert(scalars.end(), totals.begin(), totals.end());
        allReduceGradients(*m_collective, m_policy->parameters(), scalars);
        if (failure.empty() && scalars[0] > 0.0)
            failure = "the loss is not finite on another rank";
        contrastiveTotal = scalars[1];
        nllTotal = scalars[2];
        policyTokens = static_cast<std::int64_t>(scalars[3]);
        for (std::size_t s = 0; s < negatives::kStrategyCount; ++s)
            metrics.strategies[s].redraws = static_cast<std::int64_t>(scalars[4 + s]);
        totals.assign(scalars.begin() + 4 + negatives::kStrategyCount, scalars.end());
    }
    if (!failure.empty())
        return refuse(failure);

    std::vector<torch::Tensor> norms;
    for (const auto& p : m_policy->parameters())
        if (p.grad().defined())
            norms.push_back(p.grad().norm(2));
    const double gradNorm = norms.empty() ? 0.0 : torch::stack(norms).norm(2).item<double>();
    if (!std::isfinite(gradNorm))
        return refuse(fmt::format("the gradient norm is {}", describeNonFinite(gradNorm)));
    const double clip = m_options.optimizer.gradClip;
    if (clip > 0.0 && gradNorm > clip) {
        torch::NoGradGuard noGrad;
        for (auto& p : m_policy->parameters())
            if (p.grad().defined())
                p.grad().mul_(clip / (gradNorm + 1e-6));
    }
    m_optimizer->step();

    metrics.step = stepNumber;
    metrics.contrastiveLoss = contrastiveTotal / totalExamples;
    metrics.nll = groundTruthTokens > 0.0 ? nllTotal / groundTruthTokens : 0.0;
    metrics.loss = metrics.contrastiveLoss + m_options.lambdaMle * metrics.nll;
    summariseTotals(totals, metrics);
    metrics.gradNorm = gradNorm;
    metrics.lr = lr;
    metrics.stepSeconds = secondsSince(start);
    metrics.tokensPerSecond = metrics.stepSeconds > 0.0
                                  ? static_cast<double>(policyTokens) / metrics.stepSeconds
                                  : 0.0;
    metrics.cudaPeakMemGb = model::cudaPeakMemoryGb(device);
    return {metrics, std::move(samples), {}};
}

void CpoTrainer::checkHealth(const CpoStepMetrics& metrics)
{
    for (const auto& alert : m_health.check(metrics))
        emit(alert);
}

std::filesystem::path CpoTrainer::writeCheckpoint()
{
    const auto folder = m_checkpoints.write(m_step, m_batches.cursor(), *m_policy, *m_optimizer,
                                            m_referenceCache.serialize());
    emit(CheckpointSaved{m_step, folder});
    return folder;
}

CpoResult CpoTrainer::run()
{
    const auto start = Clock::now();
    StepOutcome done; // of the step just applied
    PhaseLoopHooks hooks;
    hooks.trainStep = [&]() -> std::optional<std::string> {
        done = trainStep();
        if (!done.metrics)
            return done.failure;
        return std::nullopt;
    };
    hooks.stepDone = [&] {
        done.metrics->elapsedSeconds = secondsSince(start);
        if (m_step % m_options.metricsEvery == 0 || m_step == m_options.steps) {
            emit(*done.metrics);
            checkHealth(*done.metrics);
        }
        if (done.samples)
            emit(*done.samples);
    };
    hooks.validate = [this]() -> std::optional<ValidationMetrics> {
        if (m_collective && m_collective->rank() != 0)
            return std::nullopt; // rank 0 reports it
        return validationAt(*m_policy, m_validation, m_options.batchSize,
                            m_options.evalExamples, m_step);
    };
    hooks.validated = [this](const ValidationMetrics& metrics) { emit(metrics); };
    hooks.writeCheckpoint = [this] { writeCheckpoint(); };
    hooks.failed = [this](const std::string& message) {
        emit(HealthAlert{m_step + 1, HealthKind::NonFiniteLoss, message});
    };
    if (m_collective) {
        hooks.agree = [this](ControlAction action) {
            return agreeOnAction(*m_collective, action);
        };
        broadcastModel(*m_collective, *m_policy); // a resumed rank starts from rank 0's too
    }

    m_policy->train();
    const auto end = runPhaseLoop({"CPO", m_options.steps, m_options.evalEvery,
                                   m_options.checkpointEvery, false,
                                   "Lower the learning rate or β, then resume from that "
                                   "checkpoint"},
                                  hooks, m_control, m_checkpoints, m_step);
    return phaseResult(end, m_step, m_checkpoints);
}

} // namespace cpo::train
