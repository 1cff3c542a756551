#include "engine/run_session.h"

#include "engine/phase_options.h"
#include "engine/experiment_limits.h"
#include "engine/hub_source.h"
#include "engine/prepared_data.h"
#include "engine/run_assignment.h"
#include "engine/run_evaluation.h"
#include "hub/hub_fetch.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "train/checkpoint.h"
#include "train/cpo/cpo_trainer.h"
#include "train/data_parallel.h"
#include "util/blas_threads.h"
#include "util/elapsed.h"
#include "util/error.h"

#include <c10/util/Exception.h>
#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <fstream>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

// Every token must be in the model's vocabulary, and (GPT-2's learned positions end at
// maxPositions) every example must fit.
void checkExamplesFit(const model::ModelConfig& config, const PreparedData& data)
{
    std::size_t longest = 0;
    for (const auto* split : {&data.train, &data.validation, &data.test}) {
        for (const auto& example : *split) {
            longest = std::max(longest, example.prefix.size() + example.continuation.size());
            for (const auto* part : {&example.prefix, &example.continuation})
                for (const auto id : *part)
                    if (id < 0 || id >= config.vocabSize)
                        throw Error("token id " + std::to_string(id) +
                                    " of the data is outside the model's vocabulary of " +
                                    std::to_string(config.vocabSize) +
                                    ": the tokenizer does not belong to this model");
        }
    }
    if (config.arch == model::Architecture::Gpt2 &&
        static_cast<std::int64_t>(longest) > config.maxPositions)
        throw Error("the longest example has " + std::to_string(longest) +
                    " tokens but the model has " + std::to_string(config.maxPositions) +
                    " positions: raise model.init.max_positions or lower "
                    "dataset.max_prefix_tokens / dataset.max_continuation_tokens");
}

RunOutcome outcomeOf(train::PhaseOutcome phase)
{
    switch (phase) {
    case train::PhaseOutcome::Finished:
        return RunOutcome::Finished;
    case train::PhaseOutcome::Stopped:
        return RunOutcome::Stopped;
    case train::PhaseOutcome::Cancelled:
        return RunOutcome::Cancelled;
    case train::PhaseOutcome::Failed:
        break;
    }
    return RunOutcome::Failed;
}

// value × factor, computed in double: an int64 product would wrap (1e18 gave 1 step).
std::int64_t scaled(std::int64_t value, double factor, std::string_view field)
{
    if (value <= 0)
        return value;
    const double product = static_cast<double>(value) * factor;
    if (!(product <= kMaxCount))
        throw Error(fmt::format("--steps-scale {:g}: {} would be {} × {:g} = {:.3g}, beyond the "
                                "{:.0e} a phase may count; use a smaller factor",
                                factor, field, value, factor, product, kMaxCount));
    return std::max<std::int64_t>(1, std::llround(product));
}

} // namespace

RunSession::RunSession(ExperimentConfig config, fs::path runDir,
                       std::optional<ResumePoint> resumeFrom)
    : m_config(std::move(config)), m_runDir(std::move(runDir)), m_resumeFrom(std::move(resumeFrom))
{
    // The listener runs on the training thread, which is the thread events belong to.
    m_control.setPauseListener([this](bool paused) { emit(PauseChanged{paused}); });
}

void RunSession::emit(const RunEvent& event) const
{
    if (m_onEvent)
        m_onEvent(event);
}

RunSummary RunSession::run()
{
    const auto start = std::chrono::steady_clock::now();
    RunSummary summary;
    try {
        summary = runPhases();
    } catch (const Error& e) {
        summary.outcome = RunOutcome::Failed;
        summary.message = e.what();
    } catch (const c10::Error& e) {
        summary.outcome = RunOutcome::Failed;
        const std::string what = e.what_without_backtrace();
        summary.message = "LibTorch: " + what.substr(0, what.find('\n'));
    } catch (const std::exception& e) {
        summary.outcome = RunOutcome::Failed;
        summary.message = e.what();
    }
    summary.runDir = m_runDir;
    summary.configHash = configHash(m_config);
    summary.seconds = secondsSince(start);
    return summary;
}

bool RunSession::isFollower() const
{
    return m_collective && m_collective->rank() != 0;
}

bool RunSession::shareAssignment()
{
    std::string text = isFollower() ? std::string() : toText({m_config, m_runDir, m_resumeFrom});
    if (!isFollower()) {
        m_collective->shareText("assignment", text);
        return true;
    }
    try {
        m_collective->shareText("assignment", text);
    } catch (const Error&) {
        // Nothing was trained: rank 0 refused the command (e.g. `cpo runs resume` of a finished
        // run) or died before handing out a run. The collective's advice to resume from the
        // last checkpoint would mislead here; rank 0's own error says what happened.
        throw Error(fmt::format("rank {} of {}: rank 0 stopped before it handed out a run (its "
                                "own error says why); this rank trained nothing",
                                m_collective->rank(), m_collective->worldSize()));
    }
    if (text == kNothingToRun)
        return false;
    auto assignment = parseRunAssignment(text);
    m_config = std::move(assignment.config);
    m_rankZeroRunDir = std::move(assignment.runDir);
    m_resumeFrom = std::move(assignment.resumeFrom);
    return true;
}

RunSummary RunSession::runPhases()
{
    RunSummary summary;
    fs::create_directories(m_runDir);
    if (!isFollower()) {
        // Hub references are fetched first and recorded with the commit they resolved to.
        m_config = pinHubReferences(m_config, [this](const std::string& text) {
            emit(StatusMessage{text});
        });
        std::ofstream out(m_runDir / "experiment.json");
        out << toJson(m_config).dump(2) << '\n';
    }
    if (m_collective && !shareAssignment()) {
        summary.message = "rank 0 had nothing to run (the run was already complete)";
        return summary;
    }
    if (m_resumeFrom && !(m_resumeFrom->phase == "mle" ? m_config.mle.has_value()
                                                        : m_config.cpo.has_value()))
        throw Error("cannot resume the '" + m_resumeFrom->phase +
                    "' phase: the experiment has no such phase");
    torch::manual_seed(m_config.seed);
    if (m_config.threads > 0) {
        torch::set_num_threads(static_cast<int>(m_config.threads));
        setBlasThreads(static_cast<int>(m_config.threads));
    }
    auto device = model::parseDevice(m_config.device, "experiment field 'device'");
    if (m_collective && device.is_cuda() && !device.has_index())
        device = torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(m_localRank));

    // A resumed run keeps the tokenizer it trained: its checkpoints belong to that vocabulary.
    // The other ranks of a data-parallel run wait for rank 0's data and take the tokenizer it
    // trained (a shared file system), so every rank tokenizes alike; their own files go to
    // their scratch folder.
    const auto status = [this](const std::string& text) { emit(StatusMessage{text}); };
    std::string dataReady = "ready";
    if (isFollower())
        m_collective->shareText("data", dataReady);
    auto data = isFollower() ? prepareData(withRunTokenizer(m_config, m_rankZeroRunDir), m_runDir,
                                           status)
                             : prepareData(m_resumeFrom ? withRunTokenizer(m_config, m_runDir)
                                                        : m_config,
                                           m_runDir, status);
    if (m_collective && !isFollower())
        m_collective->shareText("data", dataReady);
    emit(DataPrepared{data.description, static_cast<std::int64_t>(data.train.size()),
                      static_cast<std::int64_t>(data.validation.size()),
                      static_cast<std::int64_t>(data.test.size())});

    model::CausalLM lm;
    if (m_config.model.init) {
        torch::manual_seed(m_config.seed);
        lm = model::createModel(modelConfigFor(*m_config.model.init, *data.tokenizer));
        lm->to(device);
    } else {
        const auto folder = hub::resolvePath(m_config.model.path, hub::HubContent::Model).path;
        lm = model::loadHfModel(folder, device);
    }
    if (m_collective)
        train::broadcastModel(*m_collective, *lm); // every rank starts from rank 0's weights
    lm->setActivationCheckpointing(m_config.model.activationCheckpointing);
    lm->setPrecision(m_config.precision); // π_ref, cloned from it, keeps it
    checkExamplesFit(lm->config(), data);
    const auto params = model::countParameters(*lm);
    emit(ModelPrepared{model::toString(lm->config().arch) + ", " +
                           std::to_string(lm->config().numLayers) + " layers, d" +
                           std::to_string(lm->config().hiddenSize) + ", vocabulary " +
                           std::to_string(lm->config().vocabSize) + ", on " + device.str() +
                           (lm->activationCheckpointing() ? ", activation checkpointing" : "") +
                           (lm->precision() == model::Precision::Bf16 ? ", bf16 autocast" : ""),
                       params});

    const auto resumeAt = [this](std::string_view phase) -> std::optional<fs::path> {
        if (m_resumeFrom && m_resumeFrom->phase == phase)
            return m_resumeFrom->checkpoint;
        return std::nullopt;
    };
    std::optional<RunEvaluation> evaluation;
    if (m_config.eval && !isFollower()) // rank 0 evaluates
        evaluation.emplace(m_config, data, m_store, m_runId,
                           [this](const RunEvent& event) { emit(event); });
    const bool mleDone = m_resumeFrom && m_resumeFrom->phase == "cpo";
    if (m_config.mle && !mleDone) {
        train::MleTrainer trainer(lm, data.train, data.validation, *m_config.mle,
                                  m_runDir / "mle");
        trainer.setEventCallback([this, &evaluation, &lm](const train::MleEvent& event) {
            std::visit([this](const auto& value) { emit(value); }, event);
            const auto* step = std::get_if<train::StepMetrics>(&event);
            if (evaluation && step)
                evaluation->afterStep("mle", step->step, m_config.mle->steps, *lm);
        });
        trainer.setCollective(m_collective);
        if (const auto checkpoint = resumeAt("mle"))
            trainer.resume(*checkpoint);
        if (!runPhase("mle", m_config.mle->steps, trainer, summary))
            return summary;
    }
    if (mleDone && m_config.mle) {
        if (!m_resumeFrom->mleWeights)
            throw Error("resuming the CPO phase needs the MLE phase's last checkpoint; none "
                        "was recorded for this run");
        train::loadCheckpointWeights(*m_resumeFrom->mleWeights, *lm);
    }
    model::CausalLM reference; // π_ref: the model MLE ended with
    if (m_config.cpo) {
        // π_ref is the model as MLE left it, frozen: a deep copy, not the shared handle.
        reference = model::cloneModel(*lm);
        model::CausalLM embedding;
        if (!m_config.cpo->embeddingModel.empty())
            embedding = model::loadHfModel(m_config.cpo->embeddingModel, device);
        train::CpoTrainer trainer(lm, reference, data.train,
                                  cpoOptionsFor(m_config, *data.tokenizer), m_runDir / "cpo",
                                  embedding);
        trainer.setValidation(data.validation);
        trainer.setCollective(m_collective);
        if (const auto checkpoint = resumeAt("cpo"))
            trainer.resume(*checkpoint);
        const auto& tokenizer = *data.tokenizer;
        trainer.setEventCallback([&](const train::CpoEvent& event) {
            std::visit(
                [&](const auto& value) {
                    using T = std::decay_t<decltype(value)>;
                    if constexpr (std::is_same_v<T, train::SampleSet>) {
                        DecodedSampleSet decoded{value, tokenizer.decode(value.prompt), {}};
                        for (const auto& candidate : value.candidates)
                            decoded.candidates.push_back(tokenizer.decode(candidate.tokens));
                        emit(decoded);
                    } else if constexpr (std::is_same_v<T, train::HealthAlert>) {
                        emit(Alert{std::string(train::toString(value.kind)), value.message,
                                   value.step});
                    } else {
                        emit(value);
                    }
                    if constexpr (std::is_same_v<T, train::CpoStepMetrics>)
                        if (evaluation)
                            evaluation->afterStep("cpo", value.step, m_config.cpo->steps, *lm);
                },
                event);
        });
        if (!runPhase("cpo", m_config.cpo->steps, trainer, summary))
            return summary;
    }
    if (evaluation) {
        // "mle" is π_ref: the model MLE ended with, or the one CPO started from (model.path,
        // e.g. another run's MLE checkpoint).
        auto* mle = m_config.cpo ? reference.get() : lm.get();
        auto* cpo = m_config.cpo ? lm.get() : nullptr;
        summary.evaluation = evaluation->finish(mle, m_config.mle ? m_config.mle->steps : 0,
                                                cpo, m_config.cpo ? m_config.cpo->steps : 0);
    }
    return summary;
}

template <typename Trainer>
bool RunSession::runPhase(const std::string& phase, std::int64_t steps, Trainer& trainer,
                          RunSummary& summary)
{
    emit(PhaseStarted{phase, steps});
    const auto start = std::chrono::steady_clock::now();
    trainer.setControl(&m_control);
    const auto result = trainer.run();
    PhaseEnded ended{phase, result.outcome, result.step, secondsSince(start), result.message,
                     std::nullopt, result.lastCheckpoint};
    if constexpr (requires { result.lastValidation; })
        ended.validation = result.lastValidation;
    emit(ended);
    summary.phases.push_back(ended);
    if (result.outcome == train::PhaseOutcome::Finished)
        return true;
    summary.outcome = outcomeOf(result.outcome);
    summary.message = result.message;
    return false;
}

void scaleSteps(ExperimentConfig& config, double factor)
{
    if (!(factor > 0.0))
        throw Error("--steps-scale must be > 0");
    if (config.mle) {
        auto& mle = *config.mle;
        mle.steps = scaled(mle.steps, factor, "mle.steps");
        mle.optimizer.warmupSteps = std::min(
            scaled(mle.optimizer.warmupSteps, factor, "mle.warmup_steps"), mle.steps);
        mle.evalEvery = scaled(mle.evalEvery, factor, "mle.eval_every");
        mle.checkpointEvery = scaled(mle.checkpointEvery, factor, "mle.checkpoint_every");
    }
    if (config.cpo) {
        auto& cpo = *config.cpo;
        cpo.steps = scaled(cpo.steps, factor, "cpo.steps");
        cpo.optimizer.warmupSteps = std::min(
            scaled(cpo.optimizer.warmupSteps, factor, "cpo.warmup_steps"), cpo.steps);
        cpo.samplesEvery = scaled(cpo.samplesEvery, factor, "cpo.samples_every");
        cpo.checkpointEvery = scaled(cpo.checkpointEvery, factor, "cpo.checkpoint_every");
        cpo.evalEvery = scaled(cpo.evalEvery, factor, "cpo.eval_every");
    }
    if (config.eval)
        config.eval->every = scaled(config.eval->every, factor, "eval.every");
}

} // namespace cpo::engine
