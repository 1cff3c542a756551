#include "dist/process_group.h"

#include "util/error.h"
#include "util/log.h"

#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef CPO_TORCH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <spdlog/fmt/fmt.h>

#include <cstdlib>

namespace cpo::dist {
namespace {

std::string firstLine(const std::string& text)
{
    return text.substr(0, text.find('\n'));
}

std::string describe(const std::exception& e)
{
    if (const auto* torchError = dynamic_cast<const c10::Error*>(&e))
        return firstLine(torchError->what_without_backtrace());
    return firstLine(e.what());
}

// The Gloo transport's device: GLOO_SOCKET_IFNAME names the interface when set (as in
// PyTorch); a loopback master means one host; else this host's name.
std::shared_ptr<::gloo::transport::Device> glooDevice(const DistEnv& env)
{
    if (const char* interface = std::getenv("GLOO_SOCKET_IFNAME"); interface && *interface)
        return c10d::ProcessGroupGloo::createDeviceForInterface(interface);
    if (env.masterAddr == "127.0.0.1" || env.masterAddr == "localhost")
        return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
    return c10d::ProcessGroupGloo::createDefaultDevice();
}

// Rank 0 serves the store: if it dies the others' wait fails at once, so they may wait for it
// without the collectives' timeout.
constexpr std::chrono::milliseconds kWhileRootLives = std::chrono::hours(24 * 7);

class ProcessGroupCollective final : public train::Collective {
public:
    ProcessGroupCollective(const DistEnv& env, c10::intrusive_ptr<c10d::Store> store,
                           c10::intrusive_ptr<c10d::ProcessGroup> group, bool deviceTensors)
        : m_env(env), m_store(std::move(store)), m_group(std::move(group)),
          m_deviceTensors(deviceTensors)
    {
    }

    int rank() const override { return m_env.rank; }
    int worldSize() const override { return m_env.worldSize; }

    void allReduceSum(std::vector<torch::Tensor>& tensors) override
    {
        guarded("an all-reduce", [&] {
            // One operation per tensor (c10d's vector is one tensor per local device).
            std::vector<c10::intrusive_ptr<c10d::Work>> works;
            std::vector<std::vector<torch::Tensor>> held;
            for (auto& t : tensors) {
                held.push_back({onBackend(t)});
                works.push_back(m_group->allreduce(held.back()));
            }
            waitAll(works);
            for (std::size_t i = 0; i < tensors.size(); ++i)
                if (held[i].front().data_ptr() != tensors[i].data_ptr())
                    tensors[i].copy_(held[i].front());
        });
    }

    void broadcastFromRoot(std::vector<torch::Tensor>& tensors) override
    {
        guarded("a broadcast of rank 0's weights", [&] {
            std::vector<c10::intrusive_ptr<c10d::Work>> works;
            std::vector<std::vector<torch::Tensor>> held;
            for (auto& t : tensors) {
                held.push_back({onBackend(t.detach())});
                c10d::BroadcastOptions options;
                options.rootRank = 0;
                works.push_back(m_group->broadcast(held.back(), options));
            }
            waitAll(works);
            torch::NoGradGuard noGrad;
            for (std::size_t i = 0; i < tensors.size(); ++i)
                if (held[i].front().data_ptr() != tensors[i].data_ptr())
                    tensors[i].detach().copy_(held[i].front());
        });
    }

    void shareText(const std::string& key, std::string& text) override
    {
        guarded("handing out rank 0's '" + key + "'", [&] {
            const auto name = "cpo/" + key;
            if (m_env.rank == 0) {
                m_store->set(name, std::vector<std::uint8_t>(text.begin(), text.end()));
            } else {
                m_store->wait({name}, kWhileRootLives);
                const auto bytes = m_store->get(name);
                text.assign(bytes.begin(), bytes.end());
            }
        });
    }

    void syncWithRoot() override
    {
        guarded("waiting for rank 0", [&] {
            // Calls come in the same order on every rank, so a counter names them.
            const auto name = "cpo/sync/" + std::to_string(m_syncs++);
            if (m_env.rank == 0)
                m_store->set(name, std::vector<std::uint8_t>{1});
            else
                m_store->wait({name}, kWhileRootLives);
        });
    }

private:
    // NCCL reduces device tensors only; Gloo takes either.
    torch::Tensor onBackend(const torch::Tensor& t) const
    {
        auto contiguous = t.contiguous();
        if (m_deviceTensors && !contiguous.is_cuda())
            return contiguous.to(torch::Device(torch::kCUDA, m_env.localRank));
        return contiguous;
    }

    void waitAll(std::vector<c10::intrusive_ptr<c10d::Work>>& works) const
    {
        for (auto& work : works)
            work->wait(std::chrono::milliseconds(m_env.timeout));
    }

    template <typename Op>
    void guarded(const std::string& what, Op op)
    {
        try {
            op();
        } catch (const std::exception& e) {
            throw Error(fmt::format(
                "rank {} of {}: {} did not complete: another rank stopped (it died, was killed "
                "or failed) or did not answer within the {} s timeout (--dist-timeout). This "
                "rank stops too; resume the run from its last checkpoint with `cpo runs resume "
                "ID` (with the same number of ranks). Detail: {}",
                m_env.rank, m_env.worldSize, what, m_env.timeout.count(), describe(e)));
        }
    }

    DistEnv m_env;
    c10::intrusive_ptr<c10d::Store> m_store;
    c10::intrusive_ptr<c10d::ProcessGroup> m_group;
    bool m_deviceTensors = false;
    std::uint64_t m_syncs = 0;
};

} // namespace

std::unique_ptr<train::Collective> joinProcessGroup(const DistEnv& env, bool cuda)
{
    const std::chrono::milliseconds timeout(env.timeout);
    auto logger = log::get("dist");
    c10::intrusive_ptr<c10d::Store> store;
    try {
        c10d::TCPStoreOptions options;
        options.port = env.masterPort;
        options.isServer = env.rank == 0;
        options.numWorkers = static_cast<std::size_t>(env.worldSize);
        options.waitWorkers = true;
        options.timeout = timeout;
        store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, options);
    } catch (const std::exception& e) {
        throw Error(fmt::format("rank {} of {}: the rendezvous at {}:{} failed within {} s: {}. "
                                "Check MASTER_ADDR and MASTER_PORT (rank 0 listens there) and "
                                "that all {} ranks were started",
                                env.rank, env.worldSize, env.masterAddr, env.masterPort,
                                env.timeout.count(), describe(e), env.worldSize));
    }
    c10::intrusive_ptr<c10d::ProcessGroup> group;
    bool deviceTensors = false;
    try {
#ifdef CPO_TORCH_NCCL
        if (cuda) {
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = timeout;
            group = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, env.rank, env.worldSize,
                                                                options);
            deviceTensors = true;
        }
#else
        (void)cuda;
#endif
        if (!group) {
            auto options = c10d::ProcessGroupGloo::Options::create(timeout);
            options->devices.push_back(glooDevice(env));
            options->threads = 2;
            group = c10::make_intrusive<c10d::ProcessGroupGloo>(store, env.rank, env.worldSize,
                                                                options);
        }
    } catch (const std::exception& e) {
        throw Error(fmt::format("rank {} of {}: joining the process group failed: {}", env.rank,
                                env.worldSize, describe(e)));
    }
    logger->info("rank {} of {} joined ({} via {}:{})", env.rank, env.worldSize,
                 deviceTensors ? "NCCL" : "Gloo", env.masterAddr, env.masterPort);
    return std::make_unique<ProcessGroupCollective>(env, std::move(store), std::move(group),
                                                    deviceTensors);
}

} // namespace cpo::dist
