#include "engine/run_session.h"

#include "engine/prepared_data.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "train/checkpoint.h"
#include "train/cpo/cpo_trainer.h"
#include "util/blas_threads.h"
#include "util/elapsed.h"
#include "util/error.h"

#include <c10/util/Exception.h>

#include <chrono>
#include <cmath>
#include <fstream>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

model::ModelConfig initConfig(const ModelInitSpec& spec, const tokenize::Tokenizer& tokenizer)
{
    model::ModelConfig config;
    config.arch = spec.arch;
    config.vocabSize = tokenizer.vocabSize();
    config.hiddenSize = spec.hiddenSize;
    config.numLayers = spec.numLayers;
    config.numHeads = spec.numHeads;
    config.numKeyValueHeads = spec.numKeyValueHeads;
    config.intermediateSize = spec.intermediateSize;
    config.maxPositions = spec.maxPositions;
    config.ropeTheta = spec.ropeTheta;
    config.tieWordEmbeddings = spec.tieWordEmbeddings;
    if (const auto eos = tokenizer.eosId())
        config.eosTokenId = *eos;
    if (const auto bos = tokenizer.bosId())
        config.bosTokenId = *bos;
    config.validate();
    return config;
}

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

train::CpoOptions cpoOptions(const CpoSpec& spec, std::uint64_t seed,
                             const tokenize::Tokenizer& tokenizer)
{
    if (!tokenizer.eosId())
        throw Error("the CPO phase needs a tokenizer with an end-of-sequence token "
                    "(TN negatives end with it)");
    train::CpoOptions options;
    options.steps = spec.steps;
    options.batchSize = spec.batchSize;
    options.gradAccumulation = spec.gradAccumulation;
    options.optimizer = spec.optimizer;
    options.k = spec.k;
    options.beta = spec.beta;
    options.lambdaMle = spec.lambdaMle;
    options.sampler.kind = static_cast<train::negatives::SamplerKind>(spec.sampler);
    options.sampler.mixWeights = {spec.mixWeights.an, spec.mixWeights.bn, spec.mixWeights.mn,
                                  spec.mixWeights.tn};
    options.sampler.mixStratified = spec.mixStratified;
    options.sampler.mnFraction = spec.mnFraction;
    options.sampler.an.sampling = {spec.an.temperature, spec.an.topK, spec.an.topP};
    options.sampler.an.maxNewTokens = spec.an.maxNewTokens;
    options.ranking = spec.ranking;
    options.metricsEvery = spec.metricsEvery;
    options.samplesEvery = spec.samplesEvery;
    options.checkpointEvery = spec.checkpointEvery;
    options.seed = seed;
    options.eosId = *tokenizer.eosId();
    return options;
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

std::int64_t scaled(std::int64_t value, double factor)
{
    if (value <= 0)
        return value;
    return std::max<std::int64_t>(1, std::llround(static_cast<double>(value) * factor));
}

} // namespace

std::string_view toString(RunOutcome outcome)
{
    switch (outcome) {
    case RunOutcome::Finished:
        return "finished";
    case RunOutcome::Stopped:
        return "stopped";
    case RunOutcome::Failed:
        return "failed";
    case RunOutcome::Cancelled:
        return "cancelled";
    }
    return "failed";
}

nlohmann::json RunSummary::toJson() const
{
    nlohmann::json phasesJson = nlohmann::json::object();
    for (const auto& phase : phases) {
        nlohmann::json entry{{"outcome", train::toString(phase.outcome)},
                             {"steps", phase.step},
                             {"seconds", phase.seconds}};
        if (!phase.message.empty())
            entry["message"] = phase.message;
        if (phase.validation) {
            entry["validation_loss"] = phase.validation->loss;
            entry["validation_perplexity"] = phase.validation->perplexity;
        }
        if (phase.checkpoint)
            entry["checkpoint"] = phase.checkpoint->string();
        phasesJson[phase.phase] = entry;
    }
    nlohmann::json json{{"status", toString(outcome)}, {"run_dir", runDir.string()},
                        {"config_hash", configHash}, {"seconds", seconds},
                        {"phases", phasesJson}};
    if (!message.empty())
        json["message"] = message;
    return json;
}

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

RunSummary RunSession::runPhases()
{
    RunSummary summary;
    fs::create_directories(m_runDir);
    {
        std::ofstream out(m_runDir / "experiment.json");
        out << toJson(m_config).dump(2) << '\n';
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
    const auto device = model::parseDevice(m_config.device);

    // A resumed run keeps the tokenizer it trained: its checkpoints belong to that vocabulary.
    auto data = prepareData(m_resumeFrom ? withRunTokenizer(m_config, m_runDir) : m_config,
                            m_runDir,
                            [this](const std::string& text) { emit(StatusMessage{text}); });
    emit(DataPrepared{data.description, static_cast<std::int64_t>(data.train.size()),
                      static_cast<std::int64_t>(data.validation.size()),
                      static_cast<std::int64_t>(data.test.size())});

    model::CausalLM lm;
    if (m_config.model.init) {
        torch::manual_seed(m_config.seed);
        lm = model::createModel(initConfig(*m_config.model.init, *data.tokenizer));
        lm->to(device);
    } else {
        lm = model::loadHfModel(m_config.model.path, device);
    }
    checkExamplesFit(lm->config(), data);
    const auto params = model::countParameters(*lm);
    emit(ModelPrepared{model::toString(lm->config().arch) + ", " +
                           std::to_string(lm->config().numLayers) + " layers, d" +
                           std::to_string(lm->config().hiddenSize) + ", vocabulary " +
                           std::to_string(lm->config().vocabSize) + ", on " + device.str(),
                       params});

    const auto resumeAt = [this](std::string_view phase) -> std::optional<fs::path> {
        if (m_resumeFrom && m_resumeFrom->phase == phase)
            return m_resumeFrom->checkpoint;
        return std::nullopt;
    };
    const bool mleDone = m_resumeFrom && m_resumeFrom->phase == "cpo";
    if (m_config.mle && !mleDone) {
        train::MleTrainer trainer(lm, data.train, data.validation, *m_config.mle,
                                  m_runDir / "mle");
        trainer.setEventCallback([this](const train::MleEvent& event) {
            std::visit([this](const auto& value) { emit(value); }, event);
        });
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
    if (m_config.cpo) {
        // π_ref is the model as MLE left it, frozen: a deep copy, not the shared handle.
        auto reference = model::cloneModel(*lm);
        model::CausalLM embedding;
        if (!m_config.cpo->embeddingModel.empty())
            embedding = model::loadHfModel(m_config.cpo->embeddingModel, device);
        train::CpoTrainer trainer(lm, reference, data.train,
                                  cpoOptions(*m_config.cpo, m_config.seed, *data.tokenizer),
                                  m_runDir / "cpo", embedding);
        if (const auto checkpoint = resumeAt("cpo"))
            trainer.resume(*checkpoint);
        const auto& tokenizer = *data.tokenizer;
        trainer.setEventCallback([this, &tokenizer](const train::CpoEvent& event) {
            std::visit(
                [this, &tokenizer](const auto& value) {
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
                },
                event);
        });
        if (!runPhase("cpo", m_config.cpo->steps, trainer, summary))
            return summary;
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
        mle.steps = scaled(mle.steps, factor);
        mle.optimizer.warmupSteps = std::min(scaled(mle.optimizer.warmupSteps, factor), mle.steps);
        mle.evalEvery = scaled(mle.evalEvery, factor);
        mle.checkpointEvery = scaled(mle.checkpointEvery, factor);
    }
    if (config.cpo) {
        auto& cpo = *config.cpo;
        cpo.steps = scaled(cpo.steps, factor);
        cpo.optimizer.warmupSteps = std::min(scaled(cpo.optimizer.warmupSteps, factor), cpo.steps);
        cpo.samplesEvery = scaled(cpo.samplesEvery, factor);
        cpo.checkpointEvery = scaled(cpo.checkpointEvery, factor);
        cpo.evalEvery = scaled(cpo.evalEvery, factor);
    }
}

} // namespace cpo::engine
