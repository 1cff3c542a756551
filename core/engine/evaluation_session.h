#pragma once

#include "data/examples.h"
#include "data/splits.h"
#include "engine/judge_config.h"
#include "eval/eval_generation.h"
#include "eval/judge.h"
#include "eval/win_rate.h"
#include "model/causal_lm.h"
#include "tokenize/tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo::data {
class OracleTask;
}
namespace cpo::store {
class RunStore;
}

namespace cpo::engine {

// A model of a run to evaluate: "mle", "cpo", or the ensemble "alpha=0.5" (α·θ_MLE +
// (1 − α)·θ_CPO).
struct EvaluatedModel {
    std::string label;
    std::optional<double> alpha;
};

// "mle,cpo,alpha=0.5" → its models. Throws cpo::Error naming the item that is none.
std::vector<EvaluatedModel> parseModelList(std::string_view text);

// What one model scored against the ground truth on a prompt set.
struct ModelEvaluation {
    std::string label;
    std::optional<double> alpha;
    std::int64_t step = 0;
    std::string judge;
    eval::Tally tally;
    eval::WinRate winRate;
    double lengthControlled = 0.5; // the win rate at no length difference
    std::int64_t failures = 0;     // comparisons the judge gave no verdict on
    double flipRate = 0.0;         // both orders asked: how often they disagreed
    double impossibleShare = 0.0;  // continuations the judge's model cannot produce
    std::map<std::string, eval::WinRate> categories; // when the data has categories
    // KL(model ‖ reference) per sequence from the model's own samples (eval::klEstimate),
    // when the evaluator has a reference (the MLE model) and this is another model.
    std::optional<double> klToReference;
    double klStandardError = 0.0;
    // On the oracle task (Evaluator::setOracle): the teacher's NLL per token of the model's
    // own samples (temperature 1; quality, over the samples the teacher could produce, whose
    // share is sampleWellFormed) and the model's NLL per token of the prompts' ground truths,
    // held-out teacher samples (coverage).
    std::optional<double> sampleTeacherNll;
    double sampleWellFormed = 0.0;
    std::optional<double> heldOutNll;
    std::int64_t evaluationId = 0; // its row in the store; 0 when not stored
};

nlohmann::json toJson(const ModelEvaluation& evaluation);

// Generates with one model and judges its continuations against the ground truth. The
// examples, tokenizer and judge are viewed: they must outlive the evaluator.
class Evaluator {
public:
    Evaluator(std::span<const data::TokenizedExample> examples,
              const tokenize::Tokenizer& tokenizer, eval::Judge* judge, std::string judgeName,
              eval::Decoding decoding);

    // The model a KL estimate is taken against (π_ref, the MLE model); viewed, not owned.
    void setReference(model::CausalLMImpl* reference) { m_reference = reference; }
    // The oracle task whose teacher scores each model's samples (quality) and whose held-out
    // continuations each model is scored on (coverage); viewed, may be null (none).
    void setOracle(const data::OracleTask* oracle) { m_oracle = oracle; }

    // `store` may be null (nothing stored). A null judge (the human kind) stores the
    // generations unjudged: the votes come later.
    ModelEvaluation evaluate(model::CausalLMImpl& model, const EvaluatedModel& which,
                             std::int64_t step, store::RunStore* store, std::int64_t runId,
                             std::string_view evalSet);

private:
    std::span<const data::TokenizedExample> m_examples;
    const tokenize::Tokenizer& m_tokenizer;
    eval::Judge* m_judge;
    std::string m_judgeName;
    eval::Decoding m_decoding;
    model::CausalLMImpl* m_reference = nullptr;
    const data::OracleTask* m_oracle = nullptr;
};

// The judge a config describes. The oracle kind needs the task's teacher, the OpenAI kind
// caches in `store` (may be null); the human kind has no automatic judge (nullptr).
std::unique_ptr<eval::Judge> makeJudge(const JudgeConfig& config, const data::OracleTask* oracle,
                                       store::RunStore* store, const std::string& device);

// The α sweep's judged points: the index of the best win rate (the first of equals), and
// the sweep stored as an alpha_sweeps row with one alpha_points row per α.
std::size_t bestAlpha(std::span<const ModelEvaluation> points);
std::int64_t storeAlphaSweep(store::RunStore& store, std::int64_t runId, std::string_view evalSet,
                             std::string_view judge, std::span<const ModelEvaluation> points);

// The run of the store whose folder is runDir (compared as canonical paths), if any.
std::optional<std::int64_t> findRunByFolder(store::RunStore& store,
                                            const std::filesystem::path& runDir);

// `cpo eval`: a finished run's checkpoints judged after the fact.
struct EvaluationRequest {
    std::filesystem::path db;
    std::int64_t runId = 0;
    JudgeConfig judge;
    std::vector<EvaluatedModel> models{{"mle", std::nullopt}, {"cpo", std::nullopt}};
    data::Split split = data::Split::Test;
    std::int64_t examples = 500; // the first N prompts of the split; 0: all
    eval::Decoding decoding;     // seed 0: the experiment's seed
    std::string device;          // "": the experiment's
};

struct EvaluationReport {
    std::int64_t runId = 0;
    std::string split;
    std::int64_t examples = 0;
    std::vector<ModelEvaluation> models;
};

nlohmann::json toJson(const EvaluationReport& report);

using EvaluationStatus = std::function<void(const std::string& message)>;

// Loads the run's last MLE and CPO checkpoints, rebuilds its held-out split, generates with
// each model asked for (on the same prompts, with the same seed), judges against the ground
// truth and stores every generation and verdict. Throws cpo::Error naming what is missing
// (the run, its folder, a checkpoint) or why the judge cannot work.
EvaluationReport evaluateRun(const EvaluationRequest& request,
                             const EvaluationStatus& status = {});

} // namespace cpo::engine
