// Evaluation benchmark (not a CTest test), two figures:
//  1. generating and oracle-judging 500 test prompts for two models (MLE and CPO stand-ins of
//     the demo's size: d48, 2 layers, over the demo task's 128 symbols, 16 + 24 tokens),
//     greedy, batched with the KV cache, stored in a run store (goal <= 10 s on 2 cores);
//  2. the OpenAI-compatible judge against a slow local endpoint (150 ms per answer): the most
//     requests in flight at once, which should equal the configured concurrency.
// Prints one JSON line, then lines for people.
//
//   bench_eval [DIR]     DIR holds the temporary store and template (default: temp directory)

#include "oracle/oracle_task.h"
#include "engine/evaluation_session.h"
#include "engine/judge_config.h"
#include "eval/openai_judge.h"
#include "eval/oracle_judge.h"
#include "store/run_store.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

namespace {

using Clock = std::chrono::steady_clock;
constexpr int kPrompts = 500;
constexpr double kGoalSeconds = 10.0;
constexpr int kSlowMs = 150;

double since(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

cpo::model::CausalLM demoStudent(const cpo::data::OracleOptions& oracle, std::uint64_t seed)
{
    cpo::model::ModelConfig c;
    c.arch = cpo::model::Architecture::Gpt2;
    c.vocabSize = oracle.symbols + 1;
    c.hiddenSize = 48;
    c.numLayers = 2;
    c.numHeads = 4;
    c.numKeyValueHeads = 4;
    c.intermediateSize = 4 * 48;
    c.maxPositions = 64;
    c.eosTokenId = oracle.symbols;
    torch::manual_seed(seed);
    return cpo::model::createModel(c);
}

// Seconds to generate with and oracle-judge both models, stored.
double generateAndJudge(const std::filesystem::path& dir, double& winRateMle,
                        double& winRateCpo)
{
    cpo::data::OracleOptions options; // the demo task's defaults
    options.trainExamples = 1;
    options.validationExamples = 1;
    options.testExamples = kPrompts;
    const cpo::data::OracleTask task(options);
    const auto test = task.examples(cpo::data::Split::Test);
    const cpo::data::OracleTokenizer tokenizer(options.symbols);
    auto mle = demoStudent(options, 1);
    auto cpo = demoStudent(options, 2);
    cpo::store::RunStore store(dir / "bench-eval.sqlite");
    cpo::store::RunRecord run;
    run.name = "bench";
    run.experimentJson = "{}";
    const auto runId = store.createRun(run);

    const auto start = Clock::now();
    cpo::eval::OracleJudge judge(task, cpo::engine::LikelihoodScore::PerToken);
    cpo::engine::Evaluator evaluator(test, tokenizer, &judge, "oracle", cpo::eval::Decoding{});
    winRateMle = evaluator.evaluate(*mle, {"mle", std::nullopt}, 0, &store, runId, "test")
                     .winRate.rate;
    winRateCpo = evaluator.evaluate(*cpo, {"cpo", std::nullopt}, 0, &store, runId, "test")
                     .winRate.rate;
    return since(start);
}

// The most requests a slow endpoint saw at once while the judge worked through `pairs`.
int maxInFlight(const std::filesystem::path& dir, int concurrency, int pairs, double& seconds)
{
    std::atomic<int> inFlight{0};
    std::mutex mutex;
    int most = 0;
    httplib::Server server;
    server.Post("/v1/chat/completions", [&](const httplib::Request&, httplib::Response& res) {
        const int now = ++inFlight;
        {
            std::lock_guard lock(mutex);
            most = std::max(most, now);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(kSlowMs));
        res.set_content(R"({"choices":[{"message":{"role":"assistant","content":"A"}}]})",
                        "application/json");
        --inFlight;
    });
    const int port = server.bind_to_any_port("127.0.0.1");
    std::thread listener([&] { server.listen_after_bind(); });
    std::ofstream(dir / "bench-template.txt") << "{{prompt}}\n{{a}}\n{{b}}\n";
    const auto config = cpo::engine::parseJudgeConfig(
        {{"kind", "openai"},
         {"base_url", "http://127.0.0.1:" + std::to_string(port)},
         {"model", "slow"},
         {"template", (dir / "bench-template.txt").string()},
         {"concurrency", concurrency}},
        "bench", dir);
    std::vector<cpo::eval::JudgePair> questions;
    for (int i = 0; i < pairs; ++i)
        questions.push_back({"prompt " + std::to_string(i), "a", "b", {}, {}, {}});
    cpo::eval::OpenAiJudge judge(config, nullptr);
    const auto start = Clock::now();
    (void)judge.judge(questions);
    seconds = since(start);
    server.stop();
    listener.join();
    return most;
}

} // namespace

int main(int argc, char** argv)
{
    const std::filesystem::path dir =
        argc > 1 ? std::filesystem::path(argv[1]) : std::filesystem::temp_directory_path();
    std::filesystem::remove(dir / "bench-eval.sqlite");
    double mle = 0.0, cpo = 0.0;
    const double evalSeconds = generateAndJudge(dir, mle, cpo);
    nlohmann::json out{{"eval_prompts", kPrompts},
                       {"eval_models", 2},
                       {"eval_seconds", evalSeconds},
                       {"eval_goal_seconds", kGoalSeconds},
                       {"torch_threads", torch::get_num_threads()}};
    std::string concurrencyLines;
    for (const int concurrency : {1, 4, 8}) {
        double seconds = 0.0;
        const int most = maxInFlight(dir, concurrency, 16, seconds);
        out["in_flight_at_concurrency_" + std::to_string(concurrency)] = most;
        concurrencyLines += "concurrency " + std::to_string(concurrency) + ": at most " +
                            std::to_string(most) + " requests in flight, 32 requests of " +
                            std::to_string(kSlowMs) + " ms in " + std::to_string(seconds) +
                            " s\n";
    }
    std::cout << out.dump() << '\n';
    std::cout << "generated and oracle-judged " << kPrompts << " prompts x 2 models in "
              << evalSeconds << " s (goal <= " << kGoalSeconds << " s); win rates (untrained "
              << "stand-ins) " << mle << ", " << cpo << '\n'
              << concurrencyLines;
    return 0;
}
