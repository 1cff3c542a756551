// Data-parallel figures on this machine, run by hand (not a CTest test): the MLE step of
// `cpo bench`'s small model (GPT-2 d256 x 4 layers, vocabulary 4096, batch 8 x 128 tokens) with
// one process and with two ranks over c10d Gloo on 127.0.0.1 (each rank its slice of the batch,
// gradients summed in buckets as training does), and Gloo's all-reduce time and bandwidth for
// that model's gradient. Without RANK in the environment it starts the configurations itself
// (each a process or two); every rank 0 prints one JSON line.

#include "dist/dist_env.h"
#include "dist/process_group.h"
#include "model/causal_lm.h"
#include "perf/bench.h"
#include "train/data_parallel.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start)
{
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// One configuration: `ranks` processes of `threads` intra-op threads each.
int launch(const char* self, int ranks, int threads, int port)
{
    std::vector<pid_t> pids;
    for (int rank = 0; rank < ranks; ++rank) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::setenv("RANK", std::to_string(rank).c_str(), 1);
            ::setenv("WORLD_SIZE", std::to_string(ranks).c_str(), 1);
            ::setenv("MASTER_ADDR", "127.0.0.1", 1);
            ::setenv("MASTER_PORT", std::to_string(port).c_str(), 1);
            ::setenv("BENCH_THREADS", std::to_string(threads).c_str(), 1);
            ::execl(self, self, static_cast<char*>(nullptr));
            ::_exit(127);
        }
        pids.push_back(pid);
    }
    int failed = 0;
    for (const auto pid : pids) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        failed += WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
    }
    return failed;
}

int runRank()
{
    const int threads = std::stoi(std::getenv("BENCH_THREADS"));
    torch::set_num_threads(threads);
    const auto env = cpo::dist::distEnvFrom(cpo::dist::processEnv, std::chrono::seconds(60));
    const auto collective = env ? cpo::dist::joinProcessGroup(*env, false) : nullptr;
    const int rank = env ? env->rank : 0;
    const int ranks = env ? env->worldSize : 1;

    const auto shape = *cpo::perf::benchShape("small");
    torch::manual_seed(1234);
    auto model = cpo::model::createModel(cpo::perf::benchModelConfig(shape));
    model->train();
    torch::optim::AdamW optimizer(model->parameters(), torch::optim::AdamWOptions(1e-4));
    const auto tokens = torch::randint(0, shape.vocab, {shape.batch, shape.sequence},
                                       torch::TensorOptions().dtype(torch::kInt64));
    const auto shard = cpo::train::shardOf(static_cast<std::size_t>(shape.batch), rank, ranks);
    const auto mine = tokens.slice(0, static_cast<std::int64_t>(shard.begin),
                                   static_cast<std::int64_t>(shard.end));
    const double globalTargets = static_cast<double>(shape.batch * (shape.sequence - 1));
    const auto step = [&] {
        optimizer.zero_grad();
        const auto logits = model->forward(mine).logits;
        const auto loss = torch::nn::functional::cross_entropy(
                              logits.slice(1, 0, shape.sequence - 1).reshape({-1, logits.size(-1)}),
                              mine.slice(1, 1).reshape({-1}),
                              torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
                          globalTargets;
        loss.backward();
        std::vector<double> scalars{loss.item<double>()};
        if (collective)
            cpo::train::allReduceGradients(*collective, model->parameters(), scalars);
        optimizer.step();
    };
    for (int i = 0; i < 2; ++i)
        step();
    constexpr int kSteps = 8;
    auto start = Clock::now();
    for (int i = 0; i < kSteps; ++i)
        step();
    const double stepSeconds = secondsSince(start) / kSteps;

    nlohmann::json out{{"ranks", ranks},
                       {"threads_per_rank", threads},
                       {"mle_step_ms", stepSeconds * 1e3},
                       {"mle_tokens_per_s", static_cast<double>(shape.batch * shape.sequence) /
                                                stepSeconds}};
    if (collective) {
        std::int64_t bytes = 0;
        for (const auto& p : model->parameters())
            bytes += p.numel() * static_cast<std::int64_t>(p.element_size());
        std::vector<double> none;
        cpo::train::allReduceGradients(*collective, model->parameters(), none); // warm-up
        constexpr int kReduces = 10;
        start = Clock::now();
        for (int i = 0; i < kReduces; ++i)
            cpo::train::allReduceGradients(*collective, model->parameters(), none);
        const double reduceSeconds = secondsSince(start) / kReduces;
        out["gradient_mb"] = static_cast<double>(bytes) / (1 << 20);
        out["allreduce_ms"] = reduceSeconds * 1e3;
        // Algorithm bandwidth (bytes reduced per second) and the bus bandwidth a ring moves
        // (2 (n - 1) / n of it), as nccl-tests report them.
        out["allreduce_algbw_gb_s"] = static_cast<double>(bytes) / reduceSeconds / 1e9;
        out["allreduce_busbw_gb_s"] =
            2.0 * (ranks - 1) / ranks * static_cast<double>(bytes) / reduceSeconds / 1e9;
    }
    if (rank == 0)
        std::cout << out.dump() << std::endl;
    return 0;
}

} // namespace

int main(int, char** argv)
{
    try {
        if (std::getenv("BENCH_THREADS"))
            return runRank();
        // One process with both cores, then two ranks of one core each (the fair split of
        // this 2-core machine), then two ranks of two threads each.
        int failed = launch(argv[0], 1, 2, 0);
        failed += launch(argv[0], 2, 1, 29611);
        failed += launch(argv[0], 2, 2, 29612);
        return failed == 0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::cerr << "bench_data_parallel: " << e.what() << '\n';
        return 1;
    }
}
