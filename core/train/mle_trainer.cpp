#include "train/mle_trainer.h"
#include "train/optimizer.h"

#include "model/autocast_scope.h"
#include "model/cuda_peak_memory.h"
#include "model/model_config.h"
#include "train/checkpoint.h"
#include "train/data_parallel.h"
#include "train/held_out_loss.h"
#include "train/lr_schedule.h"
#include "train/phase_checkpoints.h"
#include "train/phase_loop.h"
#include "util/elapsed.h"
#include "util/error.h"
#include "util/hash.h"
#include "util/log.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

namespace cpo::train {
namespace {

constexpr char kPhase[] = "mle";

using Clock = std::chrono::steady_clock;

MleOptions validated(const MleOptions& options)
{
    const auto atLeast = [](std::int64_t value, std::int64_t minimum, const char* field) {
        if (value < minimum)
            throw Error(fmt::format("mle.{} is {}; it must be at least {}", field, value,
                                    minimum));
    };
    atLeast(options.steps, 1, "steps");
    atLeast(options.batchSize, 1, "batch_size");
    atLeast(options.gradAccumulation, 1, "grad_accumulation");
    atLeast(options.evalEvery, 0, "eval_every");
    atLeast(options.evalExamples, 0, "eval_examples");
    atLeast(options.checkpointEvery, 0, "checkpoint_every");
    validate(options.optimizer);
    return options;
}

std::uint64_t computeConfigHash(const model::ModelConfig& config, const MleOptions& o,
                                std::span<const data::TokenizedExample> train)
{
    // Evaluation and checkpoint cadence may change on resume.
    return resumeHash(config, o.optimizer,
                      {{"steps", o.steps},
                       {"batch_size", o.batchSize},
                       {"grad_accumulation", o.gradAccumulation},
                       {"seed", o.seed}},
                      train);
}

std::string describeNonFinite(double value)
{
    return std::isnan(value) ? "NaN" : (value > 0 ? "+infinity" : "-infinity");
}

} // namespace

MleTrainer::MleTrainer(model::CausalLM model, std::span<const data::TokenizedExample> train,
                       std::span<const data::TokenizedExample> validation, MleOptions options,
                       std::filesystem::path checkpointRoot)
    : m_model(std::move(model)),
      m_train(train),
      m_validation(validation),
      m_options(validated(options)),
      m_optimizer(makeOptimizer(*m_model, m_options.optimizer)),
      m_sampler(train, m_options.batchSize, m_options.seed),
      m_configHash(computeConfigHash(m_model->config(), m_options, train)),
      m_checkpoints(kPhase, std::move(checkpointRoot), m_configHash, "the MLE options")
{
}

void MleTrainer::emit(const MleEvent& event) const
{
    if (m_onEvent)
        m_onEvent(event);
}

void MleTrainer::setCollective(Collective* collective)
{
    if (collective)
        requireShardable(m_options.batchSize, collective->worldSize(), "mle.batch_size");
    m_collective = collective;
    m_checkpoints.setWrites(!collective || collective->rank() == 0);
}

void MleTrainer::resume(const std::filesystem::path& checkpoint)
{
    const auto state = m_checkpoints.restore(checkpoint, *m_model, *m_optimizer);
    m_sampler.setCursor(state.cursor);
    m_step = state.step;
    log::get("train")->info("resumed MLE at step {} from {}", m_step, checkpoint.string());
}

torch::Tensor MleTrainer::summedNll(const Batch& batch)
{
    // bf16 precision: the forward under autocast, the NLL summed in float32 (held_out_loss.h);
    // backward runs after the scope.
    const model::AutocastScope autocast(*m_model);
    return summedContinuationNll(*m_model, batch);
}

MleTrainer::StepOutcome MleTrainer::trainStep()
{
    const auto start = Clock::now();
    const auto device = m_model->parameters().front().device();
    model::resetCudaPeakMemory(device);
    // Whatever the caller's thread has set (an outer NoGradGuard), a training step records.
    torch::AutoGradMode recordGraph(true);
    const std::int64_t stepNumber = m_step + 1;
    const double lr = learningRate(m_options.optimizer, m_step, m_options.steps);
    for (auto& group : m_optimizer->param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);

    // Data-parallel: this rank's slice of each micro-batch; the loss is normalised by the
    // global batch's tokens and the gradients summed over the ranks below, so the update is
    // the one process's on the whole batch.
    const int rank = m_collective ? m_collective->rank() : 0;
    const int ranks = m_collective ? m_collective->worldSize() : 1;
    std::vector<Batch> micro;
    std::int64_t lossTokens = 0;
    std::int64_t realTokens = 0;
    for (std::int64_t i = 0; i < m_options.gradAccumulation; ++i) {
        const auto indices = m_sampler.next();
        const auto counts = countTokens(m_train, indices);
        lossTokens += counts.loss;
        realTokens += counts.real;
        const auto shard = shardOf(indices.size(), rank, ranks);
        if (shard.size() > 0)
            micro.push_back(makeBatch(
                m_train, std::span(indices).subspan(shard.begin, shard.size())));
    }

    m_optimizer->zero_grad();
    const auto refuse = [&](std::string what) {
        m_optimizer->zero_grad();
        return StepOutcome{std::nullopt, std::move(what)};
    };
    double stepLoss = 0.0;
    std::string failure; // this rank's non-finite loss
    for (std::size_t i = 0; i < micro.size() && failure.empty(); ++i) {
        auto loss = summedNll(micro[i]) / static_cast<double>(lossTokens);
        if (m_lossTransform)
            loss = m_lossTransform(stepNumber, loss);
        const double value = loss.item<double>();
        if (!std::isfinite(value)) {
            failure = fmt::format("the loss is {} (micro-batch {} of {})",
                                  describeNonFinite(value), i + 1, micro.size());
            break;
        }
        loss.backward();
        stepLoss += value;
    }
    if (m_collective) {
        // Every rank takes part even after a non-finite loss, so all refuse the step together.
        std::vector<double> scalars{stepLoss, failure.empty() ? 0.0 : 1.0};
        allReduceGradients(*m_collective, m_model->parameters(), scalars);
        stepLoss = scalars[0];
        if (failure.empty() && scalars[1] > 0.0)
            failure = "the loss is not finite on another rank";
    }
    if (!failure.empty())
        return refuse(failure);

    std::vector<torch::Tensor> norms;
    for (const auto& p : m_model->parameters())
        if (p.grad().defined())
            norms.push_back(p.grad().norm(2));
    const double gradNorm = norms.empty() ? 0.0 : torch::stack(norms).norm(2).item<double>();
    if (!std::isfinite(gradNorm))
        return refuse(fmt::format("the gradient norm is {} (the loss was finite: {:.6g})",
                                  describeNonFinite(gradNorm), stepLoss));
    // torch::nn::utils::clip_grad_norm_'s rule, on the norm already computed.
    const double clip = m_options.optimizer.gradClip;
    if (clip > 0.0 && gradNorm > clip) {
        torch::NoGradGuard noGrad;
        for (auto& p : m_model->parameters())
            if (p.grad().defined())
                p.grad().mul_(clip / (gradNorm + 1e-6));
    }
    m_optimizer->step();

    StepMetrics metrics;
    metrics.step = stepNumber;
    metrics.loss = stepLoss;
    metrics.lr = lr;
    metrics.gradNorm = gradNorm;
    metrics.stepSeconds = secondsSince(start);
    metrics.tokensPerSecond = metrics.stepSeconds > 0.0
                                  ? static_cast<double>(realTokens) / metrics.stepSeconds
                                  : 0.0;
    metrics.cudaPeakMemGb = model::cudaPeakMemoryGb(device);
    return {metrics, {}};
}

std::optional<ValidationMetrics> MleTrainer::validate()
{
    if (m_collective && m_collective->rank() != 0)
        return std::nullopt; // rank 0 reports it
    return validationAt(*m_model, m_validation, m_options.batchSize, m_options.evalExamples,
                        m_step);
}

std::filesystem::path MleTrainer::writeCheckpoint()
{
    const auto folder = m_checkpoints.write(m_step, m_sampler.cursor(), *m_model, *m_optimizer);
    emit(CheckpointSaved{m_step, folder});
    return folder;
}

MleResult MleTrainer::run()
{
    const auto start = Clock::now();
    StepMetrics done; // of the step just applied
    PhaseLoopHooks hooks;
    hooks.trainStep = [&]() -> std::optional<std::string> {
        auto outcome = trainStep();
        if (!outcome.metrics)
            return outcome.failure;
        done = *outcome.metrics;
        return std::nullopt;
    };
    hooks.stepDone = [&] {
        done.elapsedSeconds = secondsSince(start);
        emit(done);
    };
    hooks.validate = [this] { return validate(); };
    hooks.validated = [this](const ValidationMetrics& metrics) { emit(metrics); };
    hooks.writeCheckpoint = [this] { writeCheckpoint(); };
    if (m_collective) {
        hooks.agree = [this](ControlAction action) {
            return agreeOnAction(*m_collective, action);
        };
        broadcastModel(*m_collective, *m_model); // a resumed rank starts from rank 0's too
    }

    m_model->train();
    const auto end = runPhaseLoop(
        {"MLE", m_options.steps, m_options.evalEvery, m_options.checkpointEvery, true,
         "Resume from it if the fault was transient, or start a new run from its weights "
         "with a lower learning rate or a longer warmup"},
        hooks, m_control, m_checkpoints, m_step);
    return phaseResult(end, m_step, m_checkpoints);
}

} // namespace cpo::train
