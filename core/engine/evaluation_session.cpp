#include "engine/evaluation_session.h"

#include "oracle/oracle_task.h"
#include "engine/experiment.h"
#include "engine/prepared_data.h"
#include "eval/kl_estimate.h"
#include "eval/lm_judge.h"
#include "eval/openai_judge.h"
#include "eval/oracle_score.h"
#include "eval/oracle_judge.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "model/interpolate.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"
#include "train/checkpoint.h"
#include "train/held_out_loss.h"
#include "util/error.h"

#include <spdlog/fmt/fmt.h>

#include <charconv>
#include <cmath>

namespace cpo::engine {
namespace {

using nlohmann::json;

std::string verdictName(eval::Verdict verdict)
{
    switch (verdict) {
    case eval::Verdict::Win: return "win";
    case eval::Verdict::Tie: return "tie";
    case eval::Verdict::Loss: return "loss";
    }
    return "tie";
}

eval::Verdict fromPreference(eval::Preference preference)
{
    return preference == eval::Preference::A   ? eval::Verdict::Win
           : preference == eval::Preference::B ? eval::Verdict::Loss
                                               : eval::Verdict::Tie;
}

// The text of a continuation without its EOS, as a reader sees it.
std::string continuationText(const tokenize::Tokenizer& tokenizer,
                             std::span<const std::int32_t> tokens)
{
    if (!tokens.empty() && tokenizer.eosId() && tokens.back() == *tokenizer.eosId())
        tokens = tokens.first(tokens.size() - 1);
    return tokenizer.decode(tokens);
}

json decodingJson(const eval::Decoding& decoding, std::int64_t maxNewTokens)
{
    return {{"temperature", decoding.sampling.temperature},
            {"top_k", decoding.sampling.topK},
            {"top_p", decoding.sampling.topP},
            {"seed", decoding.seed},
            {"max_new_tokens", maxNewTokens}};
}

json rateJson(const eval::WinRate& rate)
{
    return {{"win_rate", rate.rate}, {"ci_low", rate.ciLow}, {"ci_high", rate.ciHigh},
            {"n", rate.n}};
}

std::int64_t stepOf(const std::filesystem::path& checkpoint)
{
    const std::string name = checkpoint.filename().string();
    std::int64_t step = 0;
    if (name.starts_with("step-"))
        std::from_chars(name.data() + 5, name.data() + name.size(), step);
    return step;
}

std::filesystem::path requireCheckpoint(const std::filesystem::path& runDir, const char* phase)
{
    if (const auto latest = train::latestCheckpoint(runDir / phase))
        return *latest;
    throw Error(fmt::format("{} holds no {} checkpoint: did the run's {} phase finish a "
                            "checkpoint?",
                            (runDir / phase).string(), phase, phase));
}

} // namespace

std::vector<EvaluatedModel> parseModelList(std::string_view text)
{
    std::vector<EvaluatedModel> models;
    std::size_t begin = 0;
    while (begin <= text.size()) {
        const auto end = std::min(text.find(',', begin), text.size());
        const std::string item(text.substr(begin, end - begin));
        if (item == "mle" || item == "cpo") {
            models.push_back({item, std::nullopt});
        } else if (item.starts_with("alpha=")) {
            double alpha = 0.0;
            const char* first = item.data() + 6;
            const char* last = item.data() + item.size();
            const auto [rest, error] = std::from_chars(first, last, alpha);
            if (error != std::errc() || rest != last || !std::isfinite(alpha))
                throw Error(fmt::format("--models: '{}' is not alpha=NUMBER (e.g. alpha=0.5)",
                                        item));
            models.push_back({fmt::format("alpha={}", alpha), alpha});
        } else {
            throw Error(fmt::format("--models: '{}' is not a model of a run (expected mle, cpo "
                                    "or alpha=A, comma-separated)",
                                    item));
        }
        begin = end + 1;
    }
    return models;
}

json toJson(const ModelEvaluation& evaluation)
{
    json out = rateJson(evaluation.winRate);
    out["model"] = evaluation.label;
    if (evaluation.alpha)
        out["alpha"] = *evaluation.alpha;
    out["step"] = evaluation.step;
    out["judge"] = evaluation.judge;
    out["wins"] = evaluation.tally.wins;
    out["ties"] = evaluation.tally.ties;
    out["losses"] = evaluation.tally.losses;
    out["failures"] = evaluation.failures;
    out["lc_win_rate"] = evaluation.lengthControlled;
    out["flip_rate"] = evaluation.flipRate;
    out["impossible_share"] = evaluation.impossibleShare;
    if (!evaluation.categories.empty()) {
        json categories = json::object();
        for (const auto& [name, rate] : evaluation.categories)
            categories[name] = rateJson(rate);
        out["categories"] = categories;
    }
    if (evaluation.klToReference) {
        out["kl_to_mle"] = *evaluation.klToReference;
        out["kl_to_mle_se"] = evaluation.klStandardError;
    }
    if (evaluation.sampleTeacherNll) {
        out["sample_teacher_nll"] = *evaluation.sampleTeacherNll;
        out["sample_well_formed"] = evaluation.sampleWellFormed;
    }
    if (evaluation.heldOutNll)
        out["heldout_nll"] = *evaluation.heldOutNll;
    if (evaluation.evaluationId != 0)
        out["evaluation_id"] = evaluation.evaluationId;
    return out;
}

json toJson(const EvaluationReport& report)
{
    json models = json::array();
    for (const auto& model : report.models)
        models.push_back(toJson(model));
    return {{"run_id", report.runId}, {"split", report.split}, {"examples", report.examples},
            {"models", models}};
}

Evaluator::Evaluator(std::span<const data::TokenizedExample> examples,
                     const tokenize::Tokenizer& tokenizer, eval::Judge* judge,
                     std::string judgeName, eval::Decoding decoding)
    : m_examples(examples), m_tokenizer(tokenizer), m_judge(judge),
      m_judgeName(std::move(judgeName)), m_decoding(decoding)
{
}

ModelEvaluation Evaluator::evaluate(model::CausalLMImpl& model, const EvaluatedModel& which,
                                    std::int64_t step, store::RunStore* store,
                                    std::int64_t runId, std::string_view evalSet)
{
    const auto eos = m_tokenizer.eosId();
    const auto generated = eval::generateContinuations(
        model, m_examples, m_decoding,
        eos ? std::optional<std::int64_t>(*eos) : std::nullopt);
    std::vector<eval::JudgePair> pairs;
    pairs.reserve(m_examples.size());
    for (std::size_t i = 0; i < m_examples.size(); ++i) {
        const auto& example = m_examples[i];
        eval::JudgePair pair;
        pair.prompt = m_tokenizer.decode(example.prefix);
        pair.a = continuationText(m_tokenizer, generated[i].tokens);
        pair.b = continuationText(m_tokenizer, example.continuation);
        pair.promptTokens = example.prefix;
        pair.aTokens = generated[i].tokens;
        pair.bTokens = example.continuation;
        pairs.push_back(std::move(pair));
    }
    const auto verdicts = m_judge != nullptr ? m_judge->judge(pairs)
                                             : std::vector<eval::JudgeVerdict>{};

    ModelEvaluation result;
    result.label = which.label;
    result.alpha = which.alpha;
    result.step = step;
    result.judge = m_judgeName;
    std::vector<eval::LengthOutcome> lengths;
    std::vector<std::string> categories;
    std::vector<eval::Verdict> judged;
    std::int64_t impossible = 0, flips = 0;
    std::vector<store::GenerationRecord> rows(pairs.size());
    for (std::size_t i = 0; i < pairs.size(); ++i) {
        auto& row = rows[i];
        // The prompt set's index too: a set may hold the same example twice (the oracle task
        // draws with replacement), and a row is unique per evaluation.
        row.exampleHash = fmt::format("{:016x}:{}", m_examples[i].hash, i);
        row.prompt = pairs[i].prompt;
        row.reference = pairs[i].b;
        row.text = pairs[i].a;
        row.category = m_examples[i].category;
        row.tokens = static_cast<std::int64_t>(pairs[i].aTokens.size());
        row.referenceTokens = static_cast<std::int64_t>(pairs[i].bTokens.size());
        if (verdicts.empty())
            continue;
        const auto& verdict = verdicts[i];
        if (verdict.failed) {
            ++result.failures;
            row.judgeDetail = verdict.detail;
            continue;
        }
        const auto outcome = fromPreference(verdict.preference);
        row.verdict = verdictName(outcome);
        result.tally.add(outcome);
        judged.push_back(outcome);
        categories.push_back(m_examples[i].category);
        lengths.push_back({eval::outcomeValue(outcome),
                           static_cast<double>(row.tokens - row.referenceTokens)});
        impossible += verdict.aImpossible ? 1 : 0;
        flips += verdict.flipped ? 1 : 0;
    }
    result.winRate = eval::winRate(result.tally);
    result.lengthControlled = eval::lengthControlledWinRate(lengths);
    const auto n = static_cast<double>(std::max<std::int64_t>(result.tally.total(), 1));
    result.impossibleShare = static_cast<double>(impossible) / n;
    result.flipRate = static_cast<double>(flips) / n;
    if (std::ranges::any_of(categories, [](const auto& c) { return !c.empty(); }))
        result.categories = eval::perCategory(categories, judged);
    if (m_reference != nullptr && m_reference != &model) {
        const auto kl = eval::klEstimate(model, *m_reference, m_examples, m_decoding.seed,
                                         m_decoding.maxNewTokens, m_decoding.batchSize);
        result.klToReference = kl.mean;
        result.klStandardError = kl.standardError;
    }
    if (m_oracle != nullptr) {
        eval::OracleScoreOptions sampling;
        sampling.seed = m_decoding.seed;
        sampling.batchSize = m_decoding.batchSize;
        const auto score = eval::oracleScore(model, *m_oracle, m_examples, sampling);
        result.sampleTeacherNll = -score.logLikelihoodPerToken;
        result.sampleWellFormed = score.wellFormed;
        result.heldOutNll = train::heldOutLoss(model, m_examples, m_decoding.batchSize).loss;
    }

    if (store != nullptr) {
        store::EvaluationRecord record;
        record.runId = runId;
        record.evalSet = std::string(evalSet);
        record.modelLabel = which.label;
        record.alpha = which.alpha;
        record.step = step;
        record.judge = m_judgeName;
        record.decodingJson =
            decodingJson(m_decoding, m_decoding.maxNewTokens > 0
                                         ? m_decoding.maxNewTokens
                                         : eval::longestContinuation(m_examples))
                .dump();
        record.summaryJson = toJson(result).dump();
        store::EvaluationStore evaluations(store->database());
        result.evaluationId = evaluations.insertEvaluation(record, rows);
    }
    return result;
}

std::unique_ptr<eval::Judge> makeJudge(const JudgeConfig& config, const data::OracleTask* oracle,
                                       store::RunStore* store, const std::string& device)
{
    switch (config.kind) {
    case JudgeKind::Oracle:
        if (oracle == nullptr)
            throw Error("the oracle judge needs the synthetic oracle task (dataset.kind "
                        "\"oracle\"); judge this run with an lm, openai or human judge");
        return std::make_unique<eval::OracleJudge>(*oracle, config.score);
    case JudgeKind::Lm:
        return std::make_unique<eval::LmJudge>(
            model::loadHfModel(config.lmModel, model::parseDevice(device)), config.score);
    case JudgeKind::OpenAi:
        return std::make_unique<eval::OpenAiJudge>(config, store);
    case JudgeKind::Human:
        return nullptr;
    }
    return nullptr;
}

std::size_t bestAlpha(std::span<const ModelEvaluation> points)
{
    std::size_t best = 0;
    for (std::size_t i = 1; i < points.size(); ++i)
        if (points[i].winRate.rate > points[best].winRate.rate)
            best = i;
    return best;
}

std::int64_t storeAlphaSweep(store::RunStore& store, std::int64_t runId, std::string_view evalSet,
                             std::string_view judge, std::span<const ModelEvaluation> points)
{
    store::AlphaSweepRecord sweep;
    sweep.runId = runId;
    sweep.evalSet = std::string(evalSet);
    sweep.judge = std::string(judge);
    for (const auto& point : points) {
        store::AlphaPointRecord row;
        row.alpha = point.alpha.value_or(point.label == "mle" ? 1.0 : 0.0);
        if (point.evaluationId != 0)
            row.evaluationId = point.evaluationId;
        row.wins = point.tally.wins;
        row.ties = point.tally.ties;
        row.losses = point.tally.losses;
        row.winRate = point.winRate.rate;
        row.ciLow = point.winRate.ciLow;
        row.ciHigh = point.winRate.ciHigh;
        sweep.points.push_back(row);
    }
    return store::EvaluationStore(store.database()).insertAlphaSweep(sweep);
}

std::optional<std::int64_t> findRunByFolder(store::RunStore& store,
                                            const std::filesystem::path& runDir)
{
    std::error_code error;
    const auto wanted = std::filesystem::weakly_canonical(runDir, error);
    for (const auto& run : store.listRuns()) {
        if (run.runDir.empty())
            continue;
        if (std::filesystem::weakly_canonical(run.runDir, error) == wanted)
            return run.id;
    }
    return std::nullopt;
}

EvaluationReport evaluateRun(const EvaluationRequest& request, const EvaluationStatus& status)
{
    const auto say = [&](const std::string& message) {
        if (status)
            status(message);
    };
    store::RunStore store(request.db);
    const auto run = store.getRun(request.runId);
    if (!run)
        throw Error(fmt::format("run {} is not in {} (`cpo runs list` shows the runs)",
                                request.runId, request.db.string()));
    if (run->runDir.empty() || !std::filesystem::is_directory(run->runDir))
        throw Error(fmt::format("run {}'s folder '{}' is missing: its checkpoints are needed",
                                request.runId, run->runDir));
    const std::filesystem::path runDir = run->runDir;
    const auto config = loadExperiment(runDir / "experiment.json");
    const std::string device = request.device.empty() ? config.device : request.device;
    // Checked before the split is built or a model loaded.
    const auto torchDevice = model::parseDevice(
        device, request.device.empty() ? "the run's experiment field 'device'" : "device");
    auto data = prepareSplit(config, runDir, request.split, say);
    auto& all = request.split == data::Split::Test ? data.test : data.validation;
    if (all.empty())
        throw Error(fmt::format("run {}'s {} split is empty: nothing to evaluate on",
                                request.runId, data::splitName(request.split)));
    const auto count = request.examples > 0
                           ? std::min(all.size(), static_cast<std::size_t>(request.examples))
                           : all.size();
    const std::span<const data::TokenizedExample> examples(all.data(), count);

    const auto judge = makeJudge(request.judge, data.oracle.get(), &store, device);
    eval::Decoding decoding = request.decoding;
    if (decoding.seed == 0)
        decoding.seed = config.seed;
    Evaluator evaluator(examples, *data.tokenizer, judge.get(), request.judge.name, decoding);

    bool needsMle = false, needsCpo = false;
    for (const auto& which : request.models) {
        needsMle = needsMle || which.label == "mle" || which.alpha;
        needsCpo = needsCpo || which.label == "cpo" || which.alpha;
    }
    std::filesystem::path mleFolder, cpoFolder;
    model::CausalLM mle, cpo;
    if (needsMle) {
        mleFolder = requireCheckpoint(runDir, "mle");
        mle = model::loadHfModel(mleFolder, torchDevice);
    }
    if (needsCpo) {
        cpoFolder = requireCheckpoint(runDir, "cpo");
        cpo = model::loadHfModel(cpoFolder, torchDevice);
    }

    if (mle)
        evaluator.setReference(mle.get());

    EvaluationReport report;
    report.runId = request.runId;
    report.split = std::string(data::splitName(request.split));
    report.examples = static_cast<std::int64_t>(count);
    for (const auto& which : request.models) {
        say(fmt::format("evaluating {} on {} {} prompts with the {} judge", which.label, count,
                        report.split, request.judge.name));
        if (which.alpha) {
            auto buffer = model::cloneModel(*mle);
            model::interpolateInto(*buffer, *mle, *cpo, *which.alpha);
            report.models.push_back(evaluator.evaluate(*buffer, which, stepOf(cpoFolder), &store,
                                                       request.runId, report.split));
        } else {
            const bool isMle = which.label == "mle";
            report.models.push_back(evaluator.evaluate(isMle ? *mle : *cpo, which,
                                                       stepOf(isMle ? mleFolder : cpoFolder),
                                                       &store, request.runId, report.split));
        }
    }
    return report;
}

} // namespace cpo::engine
