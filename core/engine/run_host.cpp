#include "engine/run_host.h"

#include "engine/run_folders.h"
#include "engine/run_grid.h"
#include "engine/run_recorder.h"
#include "engine/run_resume.h"
#include "engine/run_session.h"
#include "model/device.h"
#include "store/run_store.h"
#include "util/error.h"
#include "util/log.h"

#include <atomic>
#include <chrono>
#include <exception>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

namespace cpo::engine {
namespace {

namespace fs = std::filesystem;

fs::path openable(fs::path db)
{
    if (db.has_parent_path())
        fs::create_directories(db.parent_path());
    return db;
}

// A queued run whose overrides do not make a valid experiment: recorded as failed with the
// reason, so the queue's record is complete.
std::int64_t createInvalidRunRow(store::RunStore& runs, const QueuedRun& queued,
                                 const fs::path& runDir)
{
    using namespace std::chrono;
    store::RunRecord run;
    run.name = queued.name;
    run.status = store::RunStatus::Failed;
    run.experimentJson = queued.experiment.dump(2);
    run.error = queued.error;
    run.runDir = runDir.string();
    run.createdAt = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    run.finishedAt = run.createdAt;
    return runs.createRun(run);
}

std::string readText(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

// Where an experiment's device came from, for the error when it cannot be used here.
std::string deviceField(const ExperimentConfig& config)
{
    return "experiment '" + config.name + "' field 'device'";
}

RunSummary failedBeforeStart(const std::string& message)
{
    RunSummary summary;
    summary.outcome = RunOutcome::Failed;
    summary.message = message;
    return summary;
}

} // namespace

struct RunHost::Impl {
    explicit Impl(fs::path file) : db(openable(std::move(file))), store(db) {}

    // A run ready to go: its row claimed by the recorder, its session built.
    struct Prepared {
        std::int64_t runId = 0;
        std::unique_ptr<RunRecorder> recorder;
        RunSession* session = nullptr; // held by `sessions`
        std::string resumedFrom;
    };
    struct PreparedQueue {
        fs::path root;
        std::vector<QueuedRun> runs;
        std::vector<std::int64_t> ids;
    };

    Prepared prepareRun(RunRequest request);
    // Planning, dropping what will be replayed and claiming the run are one transaction: two
    // resumes of one run cannot both pass the check. An already complete run is marked
    // finished there and then (no session).
    Prepared prepareResume(std::int64_t runId, const std::string& fromStep,
                           const std::string& device, RunSummary& complete);
    PreparedQueue prepareQueue(const QueueRequest& request);

    RunSession* adopt(std::unique_ptr<RunSession> session);
    // Makes the prepared run the one that steering reaches.
    void publish(const Prepared& prepared);
    RunSummary execute(Prepared prepared);
    QueueSummary executeQueue(PreparedQueue queue);
    void deliver(std::int64_t runId, const RunEvent& event) const;

    void requireIdle();
    template <typename Job>
    void launch(Job job);
    void join();

    fs::path db;
    store::RunStore store;
    std::vector<Listener> listeners;
    train::Collective* collective = nullptr; // data-parallel: this process is rank 0
    int localRank = 0;

    // The session being steered. Sessions live on (in `sessions`) until the next run starts
    // on the owner's thread, so steering from another thread or a signal handler never
    // reaches a destroyed one.
    std::atomic<RunSession*> active{nullptr};
    std::atomic<std::int64_t> activeRunId{0};
    std::vector<std::unique_ptr<RunSession>> sessions;

    std::thread worker;
    std::atomic<bool> busy{false}; // the worker has not finished its job yet
    RunSummary lastSummary;
    QueueSummary lastQueue;
};

RunHost::Impl::Prepared RunHost::Impl::prepareRun(RunRequest request)
{
    auto logger = log::get("run");
    model::parseDevice(request.config.device, deviceField(request.config));
    if (request.stepsScale != 1.0)
        scaleSteps(request.config, request.stepsScale);
    const auto runDir = claimRunFolder(request.config, request.outDir,
                                       toJson(request.config).dump(2) + '\n');
    logger->info("experiment '{}' → {}", request.config.name, runDir.string());
    Prepared prepared;
    prepared.runId = createRunRow(store, request.config, runDir);
    prepared.recorder = std::make_unique<RunRecorder>(store, prepared.runId);
    logger->info("run {} in {}", prepared.runId, db.string());
    prepared.session = adopt(std::make_unique<RunSession>(std::move(request.config), runDir));
    return prepared;
}

RunHost::Impl::Prepared RunHost::Impl::prepareResume(std::int64_t runId,
                                                     const std::string& fromStep,
                                                     const std::string& device,
                                                     RunSummary& complete)
{
    auto logger = log::get("run");
    const auto choice = fromStep.empty() ? ResumeChoice{} : parseResumeStep(fromStep);
    if (!device.empty())
        model::parseDevice(device);
    store::Transaction claim(store.database());
    auto plan = planResume(store, runId, choice);
    Prepared prepared;
    prepared.runId = plan.runId;
    prepared.resumedFrom = plan.description;
    if (plan.complete) {
        store.updateRunStatus(plan.runId, store::RunStatus::Finished);
        store.clearOwner(plan.runId);
        claim.commit();
        logger->info("run {} {}; marked finished", plan.runId, plan.description);
        complete.runId = plan.runId;
        complete.runDir = plan.runDir;
        complete.resumedFrom = plan.description;
        complete.alreadyComplete = true;
        return prepared;
    }
    if (!device.empty())
        plan.config.device = device;
    model::parseDevice(plan.config.device, "run " + std::to_string(runId) + "'s " +
                                               deviceField(plan.config));
    const auto dropped = discardReplayedRows(store, plan);
    prepared.recorder = std::make_unique<RunRecorder>(store, plan.runId);
    claim.commit();
    logger->info("run {} {} in {}", plan.runId, plan.description, plan.runDir.string());
    if (dropped.metrics + dropped.sampleSets + dropped.alerts + dropped.checkpoints > 0)
        logger->info("dropped what it logged after that point, to be logged again: {} metric "
                     "points, {} sample sets, {} alerts, {} checkpoint records",
                     dropped.metrics, dropped.sampleSets, dropped.alerts, dropped.checkpoints);
    prepared.session = adopt(std::make_unique<RunSession>(plan.config, plan.runDir, plan.point));
    return prepared;
}

RunHost::Impl::PreparedQueue RunHost::Impl::prepareQueue(const QueueRequest& request)
{
    PreparedQueue queue;
    if (!request.device.empty())
        model::parseDevice(request.device);
    queue.runs = loadQueue(request.queueFile);
    for (auto& run : queue.runs) {
        if (!run.config)
            continue;
        if (request.stepsScale != 1.0)
            scaleSteps(*run.config, request.stepsScale);
        if (!request.device.empty()) {
            run.config->device = request.device;
            run.experiment["device"] = request.device;
        }
        // A device this machine lacks makes that run invalid, recorded with the reason.
        try {
            model::parseDevice(run.config->device, deviceField(*run.config));
        } catch (const Error& e) {
            run.error = e.what();
            run.config.reset();
        }
    }
    queue.root = claimQueueRoot(request.queueFile, request.outDir, readText(request.queueFile));
    store::Transaction enqueue(store.database());
    for (std::size_t i = 0; i < queue.runs.size(); ++i) {
        const auto& run = queue.runs[i];
        const auto runDir = queue.root / queueFolderName(i, run.name);
        queue.ids.push_back(run.config ? createRunRow(store, *run.config, runDir)
                                       : createInvalidRunRow(store, run, runDir));
    }
    enqueue.commit();
    log::get("run")->info("queued {} runs (ids {}-{}) in {}, folders under {}", queue.ids.size(),
                          queue.ids.front(), queue.ids.back(), db.string(),
                          queue.root.string());
    return queue;
}

void RunHost::Impl::deliver(std::int64_t runId, const RunEvent& event) const
{
    for (const auto& listener : listeners)
        listener(runId, event);
}

RunSession* RunHost::Impl::adopt(std::unique_ptr<RunSession> session)
{
    session->setDataParallel(collective, localRank);
    sessions.push_back(std::move(session));
    return sessions.back().get();
}

void RunHost::Impl::publish(const Prepared& prepared)
{
    activeRunId = prepared.runId;
    active = prepared.session;
}

RunSummary RunHost::Impl::execute(Prepared prepared)
{
    const auto runId = prepared.runId;
    auto& recorder = *prepared.recorder;
    auto& session = *prepared.session;
    session.setStore(&store, runId);
    session.setEventCallback([this, runId, &recorder](const RunEvent& event) {
        recorder.record(event);
        deliver(runId, event);
    });
    publish(prepared);
    auto summary = session.run();
    active = nullptr;
    summary.runId = runId;
    summary.resumedFrom = prepared.resumedFrom;
    recorder.finish(summary);
    activeRunId = 0;
    deliver(runId, RunFinished{summary});
    return summary;
}

QueueSummary RunHost::Impl::executeQueue(PreparedQueue queue)
{
    auto logger = log::get("run");
    QueueSummary result;
    result.root = queue.root;
    bool stopped = false;
    for (std::size_t i = 0; i < queue.runs.size(); ++i) {
        auto& queued = queue.runs[i];
        QueueEntry entry{queue.ids[i], queued.name, queued.error, std::nullopt};
        if (!queued.config) {
            logger->error("run {} ({}) is not a valid experiment: {}", entry.runId, queued.name,
                          queued.error);
        } else if (!stopped) {
            logger->info("run {} of {}: {} (id {})", i + 1, queue.runs.size(), queued.name,
                         entry.runId);
            Prepared prepared;
            prepared.runId = entry.runId;
            prepared.recorder = std::make_unique<RunRecorder>(store, entry.runId);
            prepared.session = adopt(std::make_unique<RunSession>(
                std::move(*queued.config), queue.root / queueFolderName(i, queued.name)));
            entry.summary = execute(std::move(prepared));
            stopped = entry.summary->outcome == RunOutcome::Stopped;
            if (stopped)
                logger->warn("queue stopped; the runs after it stay queued: `cpo runs resume "
                             "ID` starts one");
        }
        result.runs.push_back(std::move(entry));
    }
    return result;
}

void RunHost::Impl::requireIdle()
{
    if (busy.load())
        throw Error("run " + std::to_string(activeRunId.load()) +
                    " is still running: stop it or wait for it first");
    join();
    active = nullptr;
    sessions.clear();
}

template <typename Job>
void RunHost::Impl::launch(Job job)
{
    busy = true;
    worker = std::thread([this, job = std::move(job)]() mutable {
        try {
            job();
        } catch (const std::exception& e) {
            // The store itself failed (disk full, file removed): nothing more can be recorded.
            log::get("run")->error("run {} failed: {}", activeRunId.load(), e.what());
            lastSummary = failedBeforeStart(e.what());
            active = nullptr;
            activeRunId = 0;
        }
        busy = false;
    });
}

void RunHost::Impl::join()
{
    if (worker.joinable())
        worker.join();
}

RunHost::RunHost(fs::path db) : m_impl(std::make_unique<Impl>(std::move(db))) {}

RunHost::~RunHost()
{
    stop();
    m_impl->join();
}

void RunHost::addListener(Listener listener)
{
    m_impl->listeners.push_back(std::move(listener));
}

std::int64_t RunHost::start(RunRequest request)
{
    m_impl->requireIdle();
    auto prepared = m_impl->prepareRun(std::move(request));
    const auto runId = prepared.runId;
    m_impl->publish(prepared);
    m_impl->launch([impl = m_impl.get(), prepared = std::move(prepared)]() mutable {
        impl->lastSummary = impl->execute(std::move(prepared));
    });
    return runId;
}

std::int64_t RunHost::startResume(std::int64_t runId, const std::string& fromStep,
                                  const std::string& device)
{
    m_impl->requireIdle();
    RunSummary complete;
    auto prepared = m_impl->prepareResume(runId, fromStep, device, complete);
    const auto id = prepared.runId;
    m_impl->publish(prepared);
    m_impl->launch([impl = m_impl.get(), prepared = std::move(prepared), complete]() mutable {
        if (prepared.session) {
            impl->lastSummary = impl->execute(std::move(prepared));
            return;
        }
        impl->activeRunId = 0;
        impl->lastSummary = complete;
        impl->deliver(complete.runId, RunFinished{complete});
    });
    return id;
}

std::vector<std::int64_t> RunHost::startQueue(QueueRequest request)
{
    m_impl->requireIdle();
    auto queue = m_impl->prepareQueue(request);
    const auto ids = queue.ids;
    m_impl->launch([impl = m_impl.get(), queue = std::move(queue)]() mutable {
        impl->lastQueue = impl->executeQueue(std::move(queue));
        for (const auto& entry : impl->lastQueue.runs)
            if (entry.summary)
                impl->lastSummary = *entry.summary;
    });
    return ids;
}

RunSummary RunHost::run(RunRequest request)
{
    m_impl->requireIdle();
    return m_impl->execute(m_impl->prepareRun(std::move(request)));
}

RunSummary RunHost::resume(std::int64_t runId, const std::string& fromStep,
                           const std::string& device)
{
    m_impl->requireIdle();
    RunSummary complete;
    auto prepared = m_impl->prepareResume(runId, fromStep, device, complete);
    if (!prepared.session) {
        m_impl->deliver(complete.runId, RunFinished{complete});
        return complete;
    }
    return m_impl->execute(std::move(prepared));
}

QueueSummary RunHost::runQueue(QueueRequest request)
{
    m_impl->requireIdle();
    return m_impl->executeQueue(m_impl->prepareQueue(request));
}

void RunHost::pause()
{
    if (auto* session = m_impl->active.load())
        session->pause();
}

void RunHost::unpause()
{
    if (auto* session = m_impl->active.load())
        session->resume();
}

void RunHost::stop()
{
    if (auto* session = m_impl->active.load())
        session->requestStop();
}

void RunHost::cancel()
{
    if (auto* session = m_impl->active.load())
        session->requestCancel();
}

std::optional<std::int64_t> RunHost::activeRun() const
{
    const auto id = m_impl->activeRunId.load();
    return id != 0 ? std::optional(id) : std::nullopt;
}

RunSummary RunHost::wait()
{
    m_impl->join();
    return m_impl->lastSummary;
}

QueueSummary RunHost::waitQueue()
{
    m_impl->join();
    return m_impl->lastQueue;
}

void RunHost::setDataParallel(train::Collective* collective, int localRank)
{
    m_impl->collective = collective;
    m_impl->localRank = localRank;
}

const fs::path& RunHost::database() const
{
    return m_impl->db;
}

} // namespace cpo::engine
