// Models and datasets by name from the Hugging Face Hub: the shared cache's layout, downloads
// that resume and are verified, offline use, the token, the CLI's fetch/cache/--model hub:.
// Runs against a fake Hub on 127.0.0.1 (fake_hub.h) reached through HF_ENDPOINT.

#include "hub/fake_hub.h"

#include "cli_runner.h"
#include "test_files.h"

#include "util/config_reader.h"
#include "engine/experiment.h"
#include "engine/hub_source.h"
#include "hub/hub_cache.h"
#include "hub/hub_fetch.h"
#include "hub/hub_ref.h"
#include "hub/hub_settings.h"
#include "hub/repo_fetcher.h"
#include "util/error.h"

#include <QtCore/QDirIterator>
#include <QtCore/QFile>
#include <QtCore/QJsonArray>
#include <QtCore/QTemporaryDir>
#include <QtTest/QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>

namespace fs = std::filesystem;
using cpo::test::FakeHub;
using cpo::test::gitBlobIdOf;
using cpo::test::sha256Of;

namespace {

constexpr char kModelCommit[] = "1111111111aaaaaaaaaa2222222222bbbbbbbbbb";
constexpr char kDatasetCommit[] = "3333333333cccccccccc4444444444dddddddddd";
constexpr char kToken[] = "hf_testSecretToken0123456789";

QByteArray readAll(const fs::path& file)
{
    QFile in(QString::fromStdString(file.string()));
    return in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
}

std::string errorOf(const std::function<void()>& action)
{
    try {
        action();
    } catch (const cpo::Error& e) {
        return e.what();
    }
    return {};
}

} // namespace

class TestHub : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void referencesParse_data();
    void referencesParse();
    void settingsComeFromTheHubsEnvironment();
    void coldFetchLaysOutTheCacheAsTheHubDoes();
    void datasetFileLandsInItsOwnRepoFolder();
    void secondFetchMakesNoDownload();
    void interruptedDownloadResumesWithARange();
    void corruptedBlobIsRefused();
    void twoFetchersDownloadABlobOnce();
    void offlineUsesTheCacheAndNamesAMissingFile();
    void unreachableHubFallsBackToTheCache();
    void tokenIsSentAndNeverStored();
    void cliFetchListsAndPrunes();
    void hubModelGivesTheSameLogitsAsItsFolder();
    void experimentNamesModelAndDataOnTheHub();
    void experimentRejectsBadHubFields_data();
    void experimentRejectsBadHubFields();
    void runRecordsTheCommitItsFilesCameFrom();

private:
    cpo::hub::HubSettings settings() const;
    QProcessEnvironment cliEnvironment() const;
    void addRepos();

    QTemporaryDir m_dir;
    QString m_modelDir;
    std::unique_ptr<FakeHub> m_hub;
    fs::path m_cache;
    int m_cacheIndex = 0;
    QByteArray m_weights;
    QByteArray m_config;
    QByteArray m_dataset;
};

void TestHub::initTestCase()
{
    QVERIFY(m_dir.isValid());
    QVERIFY2(QFileInfo::exists(cpo::test::cliPath()), "CPO_CLI must point at the cpo binary");
    cpo::test::writeFile(m_dir.filePath("gpt2.json"),
                         R"({"vocab_size": 64, "n_embd": 16, "n_layer": 2, "n_head": 2,
                             "n_positions": 32})");
    m_modelDir = m_dir.filePath("tiny-gpt2");
    const auto made = cpo::test::runCpo({"init-model", "--arch", "gpt2", "--config",
                                         m_dir.filePath("gpt2.json"), "--seed", "7", "--out",
                                         m_modelDir});
    QVERIFY2(made.exitCode == 0, made.err.constData());
    m_weights = readAll(m_modelDir.toStdString() + "/model.safetensors");
    m_config = readAll(m_modelDir.toStdString() + "/config.json");
    QVERIFY(m_weights.size() > 1000 && !m_config.isEmpty());
    m_dataset = R"({"instruction": "Say hi", "context": "", "response": "hi", "category": "qa"})"
                "\n";
}

// Each test starts from an empty cache and a fresh Hub.
void TestHub::init()
{
    m_cache = m_dir.filePath("cache-" + QString::number(++m_cacheIndex)).toStdString();
    m_hub = std::make_unique<FakeHub>();
    addRepos();
}

void TestHub::addRepos()
{
    cpo::test::HubRepo model{kModelCommit, {}, {}};
    model.files["config.json"] = {m_config, false};
    model.files["model.safetensors"] = {m_weights, true};
    model.files["tokenizer_config.json"] = {R"({"model_max_length": 32})", false};
    m_hub->addRepo("models/org/tiny-gpt2", model);
    model.requiredToken = kToken;
    m_hub->addRepo("models/org/gated-gpt2", model);
    cpo::test::HubRepo dataset{kDatasetCommit, {}, {}};
    dataset.files["data/dolly.jsonl"] = {m_dataset, true};
    dataset.files["README.md"] = {"# a dataset", false};
    m_hub->addRepo("datasets/org/dolly", dataset);
}

cpo::hub::HubSettings TestHub::settings() const
{
    cpo::hub::HubSettings out;
    out.endpoint = m_hub->endpoint();
    out.cacheDir = m_cache;
    return out;
}

QProcessEnvironment TestHub::cliEnvironment() const
{
    auto environment = QProcessEnvironment::systemEnvironment();
    environment.insert("HF_ENDPOINT", QString::fromStdString(m_hub->endpoint()));
    environment.insert("HF_HUB_CACHE", QString::fromStdString(m_cache.string()));
    environment.remove("HF_TOKEN");
    environment.remove("HF_HUB_OFFLINE");
    return environment;
}

void TestHub::referencesParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("repo");
    QTest::addColumn<QString>("revision");
    QTest::newRow("org/name") << "hub:openai-community/gpt2-xl" << "openai-community/gpt2-xl"
                              << "main";
    QTest::newRow("revision") << "hub:openlm-research/open_llama_3b@v2"
                              << "openlm-research/open_llama_3b" << "v2";
    QTest::newRow("commit") << "hub:a/b@" + QString(kModelCommit) << "a/b" << kModelCommit;
    QTest::newRow("pr ref") << "hub:a/b@refs/pr/1" << "a/b" << "refs/pr/1";
    QTest::newRow("legacy id") << "hub:gpt2" << "gpt2" << "main";
    QTest::newRow("double dash") << "hub:a--b/c" << "" << "";
    QTest::newRow("three parts") << "hub:a/b/c" << "" << "";
    QTest::newRow("empty revision") << "hub:a/b@" << "" << "";
    QTest::newRow("space") << "hub:a b/c" << "" << "";
}

void TestHub::referencesParse()
{
    QFETCH(QString, text);
    QFETCH(QString, repo);
    QFETCH(QString, revision);
    if (repo.isEmpty()) {
        const auto message = errorOf([&] { cpo::hub::parseHubReference(text.toStdString()); });
        QVERIFY2(message.find("ORG/NAME") != std::string::npos ||
                     message.find("revision") != std::string::npos,
                 message.c_str());
        return;
    }
    const auto ref = cpo::hub::parseHubReference(text.toStdString());
    QCOMPARE(QString::fromStdString(ref.repoId), repo);
    QCOMPARE(QString::fromStdString(ref.revision), revision);
    QCOMPARE(cpo::hub::repoFolderName(ref), "models--" + repo.replace("/", "--").toStdString());
}

void TestHub::settingsComeFromTheHubsEnvironment()
{
    const QString home = m_dir.filePath("hf-home");
    QVERIFY(QDir().mkpath(home));
    cpo::test::writeFile(home + "/token", QByteArray(kToken) + "\n");
    qputenv("HF_HOME", home.toUtf8());
    qunsetenv("HF_HUB_CACHE");
    qunsetenv("HUGGINGFACE_HUB_CACHE");
    qunsetenv("HF_TOKEN");
    qunsetenv("HF_TOKEN_PATH");
    qputenv("HF_ENDPOINT", "http://mirror.example/");
    qputenv("HF_HUB_OFFLINE", "1");
    auto read = cpo::hub::settingsFromEnvironment();
    QCOMPARE(read.cacheDir, fs::path(home.toStdString()) / "hub");
    QCOMPARE(read.token.value_or(""), std::string(kToken));
    QCOMPARE(read.endpoint, std::string("http://mirror.example"));
    QVERIFY(read.offline);
    qputenv("HF_HUB_CACHE", "/elsewhere/hub");
    qputenv("HF_TOKEN", "hf_fromTheEnvironment");
    qputenv("HF_HUB_OFFLINE", "0");
    read = cpo::hub::settingsFromEnvironment();
    QCOMPARE(read.cacheDir, fs::path("/elsewhere/hub"));
    QCOMPARE(read.token.value_or(""), std::string("hf_fromTheEnvironment"));
    QVERIFY(!read.offline);
    for (const char* name : {"HF_HOME", "HF_HUB_CACHE", "HF_TOKEN", "HF_ENDPOINT",
                             "HF_HUB_OFFLINE"})
        qunsetenv(name);
}

void TestHub::coldFetchLaysOutTheCacheAsTheHubDoes()
{
    const auto ref = cpo::hub::parseHubReference("hub:org/tiny-gpt2");
    const auto fetched = cpo::hub::fetchModel(settings(), ref);
    QCOMPARE(fetched.pinned.revision, std::string(kModelCommit));
    QCOMPARE(fetched.downloads, 3); // config, weights, tokenizer_config

    const fs::path repo = m_cache / "models--org--tiny-gpt2";
    const fs::path snapshot = repo / "snapshots" / kModelCommit;
    QCOMPARE(fetched.dir, snapshot);
    // refs/main holds the bare commit, without a newline.
    QCOMPARE(readAll(repo / "refs" / "main"), QByteArray(kModelCommit));
    // LFS files are named by their sha256, regular files by git's blob id; the snapshot
    // holds relative links to them.
    const std::string weightsBlob = sha256Of(m_weights);
    const std::string configBlob = gitBlobIdOf(m_config);
    QVERIFY(fs::is_symlink(snapshot / "model.safetensors"));
    QCOMPARE(fs::read_symlink(snapshot / "model.safetensors"),
             fs::path("../../blobs/" + weightsBlob));
    QCOMPARE(fs::read_symlink(snapshot / "config.json"), fs::path("../../blobs/" + configBlob));
    QCOMPARE(readAll(repo / "blobs" / weightsBlob), m_weights);
    QCOMPARE(readAll(snapshot / "config.json"), m_config);
    // Files the repo lacks are noted where huggingface_hub notes them.
    QVERIFY(fs::exists(repo / ".no_exist" / kModelCommit / "tokenizer.json"));
    QVERIFY(fs::exists(repo / ".no_exist" / kModelCommit / "model.safetensors.index.json") ==
            false); // model.safetensors exists, so the index is never asked for
    QVERIFY(fs::exists(m_cache / ".locks" / "models--org--tiny-gpt2" / (weightsBlob + ".lock")));
    for (const auto& entry : fs::recursive_directory_iterator(repo))
        QVERIFY2(entry.path().extension() != ".incomplete", entry.path().c_str());
}

void TestHub::datasetFileLandsInItsOwnRepoFolder()
{
    const auto resolved = cpo::hub::splitFileReference("hub:org/dolly@main:data/dolly.jsonl");
    QCOMPARE(resolved.second, std::string("data/dolly.jsonl"));
    cpo::hub::RepoFetcher fetcher(settings(),
                                  cpo::hub::parseHubReference(resolved.first,
                                                              cpo::hub::RepoType::Dataset));
    const auto path = fetcher.fetch("data/dolly.jsonl");
    QVERIFY(path.has_value());
    const fs::path snapshot = m_cache / "datasets--org--dolly" / "snapshots" / kDatasetCommit;
    QCOMPARE(*path, snapshot / "data" / "dolly.jsonl");
    QCOMPARE(fs::read_symlink(*path), fs::path("../../../blobs/" + sha256Of(m_dataset)));
    QCOMPARE(readAll(*path), m_dataset);
    QVERIFY(m_hub->requests().front().path.starts_with("/datasets/org/dolly/resolve/main/"));
}

void TestHub::secondFetchMakesNoDownload()
{
    const auto ref = cpo::hub::parseHubReference("hub:org/tiny-gpt2");
    cpo::hub::fetchModel(settings(), ref);
    m_hub->clearLog();
    const auto again = cpo::hub::fetchModel(settings(), ref);
    QCOMPARE(again.downloads, 0);
    QCOMPARE(m_hub->count("GET"), 0);
    QCOMPARE(m_hub->count("HEAD"), 1); // "main" is asked for once; then its commit is known

    m_hub->clearLog();
    const auto pinned =
        cpo::hub::fetchModel(settings(), cpo::hub::parseHubReference(
                                             std::string("hub:org/tiny-gpt2@") + kModelCommit));
    QCOMPARE(pinned.dir, again.dir);
    QCOMPARE(m_hub->requests().size(), std::size_t{0}); // a pinned commit in the cache: no request
}

void TestHub::interruptedDownloadResumesWithARange()
{
    const std::string sha = sha256Of(m_weights);
    m_hub->dropNextTransfer(sha);
    const auto fetched =
        cpo::hub::fetchModel(settings(), cpo::hub::parseHubReference("hub:org/tiny-gpt2"));
    std::vector<std::string> ranges;
    for (const auto& request : m_hub->requests())
        if (request.method == "GET" && request.path == "/blobs/" + sha)
            ranges.push_back(request.range);
    QCOMPARE(ranges.size(), std::size_t{2});
    QVERIFY(ranges[0].empty());
    QCOMPARE(ranges[1], "bytes=" + std::to_string(m_weights.size() / 2) + "-");
    const auto blob = m_cache / "models--org--tiny-gpt2" / "blobs" / sha;
    QCOMPARE(sha256Of(readAll(blob)), sha);
    QCOMPARE(readAll(fetched.dir / "model.safetensors"), m_weights);
}

void TestHub::corruptedBlobIsRefused()
{
    const std::string sha = sha256Of(m_weights);
    m_hub->corrupt(sha);
    const auto message = errorOf([&] {
        cpo::hub::fetchModel(settings(), cpo::hub::parseHubReference("hub:org/tiny-gpt2"));
    });
    QVERIFY2(message.find("model.safetensors") != std::string::npos, message.c_str());
    QVERIFY2(message.find("sha256") != std::string::npos, message.c_str());
    const fs::path repo = m_cache / "models--org--tiny-gpt2";
    QVERIFY(!fs::exists(repo / "blobs" / sha));
    QVERIFY(!fs::exists(repo / "blobs" / (sha + ".incomplete")));
    QVERIFY(!fs::exists(fs::symlink_status(repo / "snapshots" / kModelCommit /
                                           "model.safetensors")));
}

void TestHub::twoFetchersDownloadABlobOnce()
{
    m_hub->delayTransfers(300); // both see no blob, then contend for its lock
    const auto ref = cpo::hub::parseHubReference("hub:org/tiny-gpt2");
    std::string errors;
    std::mutex errorsMutex;
    auto fetch = [&] {
        try {
            cpo::hub::RepoFetcher(settings(), ref).fetch("model.safetensors");
        } catch (const std::exception& e) {
            const std::lock_guard lock(errorsMutex);
            errors += e.what();
        }
    };
    std::thread first(fetch);
    std::thread second(fetch);
    first.join();
    second.join();
    QVERIFY2(errors.empty(), errors.c_str());
    int blobGets = 0;
    for (const auto& request : m_hub->requests())
        blobGets += request.method == "GET" && request.path.starts_with("/blobs/");
    QCOMPARE(m_hub->count("HEAD"), 2);
    QCOMPARE(blobGets, 1);
}

void TestHub::offlineUsesTheCacheAndNamesAMissingFile()
{
    const auto ref = cpo::hub::parseHubReference("hub:org/tiny-gpt2");
    const auto online = cpo::hub::fetchModel(settings(), ref);
    m_hub->clearLog();
    auto offline = settings();
    offline.offline = true;
    const auto fetched = cpo::hub::fetchModel(offline, ref);
    QCOMPARE(fetched.dir, online.dir);
    QCOMPARE(fetched.pinned.revision, std::string(kModelCommit));
    QCOMPARE(m_hub->requests().size(), std::size_t{0});

    const auto missing = errorOf([&] { cpo::hub::RepoFetcher(offline, ref).fetch("extra.bin"); });
    QVERIFY2(missing.find("'extra.bin' of hub:org/tiny-gpt2@main is not in the cache") !=
                 std::string::npos,
             missing.c_str());
    QVERIFY2(missing.find("HF_HUB_OFFLINE") != std::string::npos, missing.c_str());
    const auto uncached = errorOf([&] {
        cpo::hub::fetchModel(offline, cpo::hub::parseHubReference("hub:org/never-fetched"));
    });
    QVERIFY2(uncached.find("'config.json' of hub:org/never-fetched@main is not in the cache") !=
                 std::string::npos,
             uncached.c_str());
}

void TestHub::unreachableHubFallsBackToTheCache()
{
    const auto ref = cpo::hub::parseHubReference("hub:org/tiny-gpt2");
    const auto online = cpo::hub::fetchModel(settings(), ref);
    auto unreachable = settings();
    m_hub.reset(); // nothing listens on its port now
    const auto fetched = cpo::hub::fetchModel(unreachable, ref);
    QCOMPARE(fetched.dir, online.dir);
    const auto message = errorOf([&] { cpo::hub::RepoFetcher(unreachable, ref).fetch("x.bin"); });
    QVERIFY2(message.find("cannot reach " + unreachable.endpoint) != std::string::npos,
             message.c_str());
}

void TestHub::tokenIsSentAndNeverStored()
{
    const auto ref = cpo::hub::parseHubReference("hub:org/gated-gpt2");
    const auto denied = errorOf([&] { cpo::hub::fetchModel(settings(), ref); });
    QVERIFY2(denied.find("HF_TOKEN") != std::string::npos, denied.c_str());

    m_hub->clearLog();
    auto withToken = settings();
    withToken.token = kToken;
    const auto fetched = cpo::hub::fetchModel(withToken, ref);
    QCOMPARE(readAll(fetched.dir / "model.safetensors"), m_weights);
    for (const auto& request : m_hub->requests())
        QCOMPARE(request.authorization, "Bearer " + std::string(kToken));
    QDirIterator files(QString::fromStdString(m_cache.string()), QDir::Files | QDir::Hidden,
                       QDirIterator::Subdirectories);
    int scanned = 0;
    while (files.hasNext()) {
        const QString file = files.next();
        QVERIFY2(!readAll(file.toStdString()).contains(kToken), qPrintable(file));
        ++scanned;
    }
    QVERIFY(scanned >= 4);
}

void TestHub::cliFetchListsAndPrunes()
{
    const auto environment = cliEnvironment();
    auto fetched = cpo::test::runCpo({"fetch", "hub:org/tiny-gpt2", "--json"}, {}, environment);
    QVERIFY2(fetched.exitCode == 0, fetched.err.constData());
    auto json = cpo::test::parseSingleJson(fetched.out);
    QCOMPARE(json["commit"].toString(), QString(kModelCommit));
    QCOMPARE(json["downloaded"].toInt(), 3);
    const auto dataset = cpo::test::runCpo(
        {"fetch", "hub:org/dolly", "--dataset", "--files", "*.jsonl", "--json"}, {}, environment);
    QVERIFY2(dataset.exitCode == 0, dataset.err.constData());
    json = cpo::test::parseSingleJson(dataset.out);
    QCOMPARE(json["files"].toArray().size(), 1);
    QCOMPARE(json["files"].toArray()[0].toString(), QString("data/dolly.jsonl"));

    auto offline = environment;
    offline.insert("HF_HUB_OFFLINE", "1");
    const auto cached = cpo::test::runCpo({"fetch", "hub:org/tiny-gpt2"}, {}, offline);
    QVERIFY2(cached.exitCode == 0, cached.err.constData());
    QVERIFY2(cached.err.contains("HF_HUB_OFFLINE"), cached.err.constData());
    const auto missing = cpo::test::runCpo({"fetch", "hub:org/other"}, {}, offline);
    QCOMPARE(missing.exitCode, 1);
    QVERIFY2(missing.err.contains("'config.json' of hub:org/other@main is not in the cache"),
             missing.err.constData());

    const auto list = cpo::test::runCpo({"cache", "list", "--json"}, {}, environment);
    QVERIFY2(list.exitCode == 0, list.err.constData());
    const auto repos = cpo::test::parseSingleJson(list.out)["repos"].toArray();
    QCOMPARE(repos.size(), 2);
    QCOMPARE(repos[0].toObject()["repo"].toString(), QString("org/dolly"));
    QCOMPARE(repos[1].toObject()["repo"].toString(), QString("org/tiny-gpt2"));
    QVERIFY(repos[1].toObject()["bytes"].toInteger() >= m_weights.size() + m_config.size());

    // A blob no snapshot uses is pruned; what a snapshot uses stays.
    const fs::path stray = m_cache / "models--org--tiny-gpt2" / "blobs" / "0123abcd";
    std::ofstream(stray) << "left by an older revision";
    const auto dryRun = cpo::test::runCpo({"cache", "prune"}, {}, environment);
    QVERIFY2(dryRun.exitCode == 0 && dryRun.out.contains("--yes"), dryRun.out.constData());
    QVERIFY(fs::exists(stray));
    const auto pruned = cpo::test::runCpo({"cache", "prune", "--yes"}, {}, environment);
    QVERIFY2(pruned.exitCode == 0, pruned.err.constData());
    QVERIFY(!fs::exists(stray));
    QVERIFY(fs::exists(m_cache / "models--org--tiny-gpt2" / "blobs" / sha256Of(m_weights)));
    const auto removed =
        cpo::test::runCpo({"cache", "prune", "hub:org/tiny-gpt2", "--yes"}, {}, environment);
    QVERIFY2(removed.exitCode == 0, removed.err.constData());
    QVERIFY(!fs::exists(m_cache / "models--org--tiny-gpt2"));
    QVERIFY(fs::exists(m_cache / "datasets--org--dolly"));
}

void TestHub::hubModelGivesTheSameLogitsAsItsFolder()
{
    const QStringList tokens{"--tokens", "1,5,9,63,0", "--json"};
    const auto fromFolder =
        cpo::test::runCpo(QStringList{"logits", "--model", m_modelDir} + tokens);
    QVERIFY2(fromFolder.exitCode == 0, fromFolder.err.constData());
    const auto fromHub = cpo::test::runCpo(
        QStringList{"logits", "--model", "hub:org/tiny-gpt2"} + tokens, {}, cliEnvironment());
    QVERIFY2(fromHub.exitCode == 0, fromHub.err.constData());
    QVERIFY(fs::is_symlink(m_cache / "models--org--tiny-gpt2" / "snapshots" / kModelCommit /
                           "model.safetensors"));
    const auto logits = cpo::test::parseSingleJson(fromHub.out)["logits"].toArray();
    QCOMPARE(logits.size(), 5);
    QCOMPARE(fromHub.out, fromFolder.out); // the same bytes give the same numbers, exactly
}

namespace {

// An experiment naming its model, tokenizer and data on the Hub; `patch` replaces parts.
nlohmann::json hubExperiment(const nlohmann::json& patch = nlohmann::json::object())
{
    auto document = nlohmann::json::parse(R"({
      "name": "hub",
      "model": {"hub": "openai-community/gpt2-xl", "revision": "main"},
      "tokenizer": {"hub": "openai-community/gpt2-xl"},
      "dataset": {"kind": "instruction_jsonl",
                  "instruction_jsonl": {"hub": "databricks/databricks-dolly-15k",
                                        "file": "databricks-dolly-15k.jsonl"}},
      "mle": {"steps": 1}
    })");
    document.merge_patch(patch);
    return document;
}

std::string issuesOf(const nlohmann::json& document)
{
    try {
        cpo::engine::parseExperiment(document, "hub.json");
    } catch (const cpo::ConfigError& e) {
        return e.what();
    }
    return {};
}

} // namespace

void TestHub::experimentNamesModelAndDataOnTheHub()
{
    const auto config = cpo::engine::parseExperiment(hubExperiment(), "hub.json");
    QCOMPARE(config.model.path, std::string("hub:openai-community/gpt2-xl@main"));
    QCOMPARE(config.tokenizer->path, std::string("hub:openai-community/gpt2-xl@main"));
    QCOMPARE(config.dataset.instructionJsonl.path,
             std::string("hub:databricks/databricks-dolly-15k@main:databricks-dolly-15k.jsonl"));
    // The canonical form names them as the file did, and parses back to the same config.
    const auto canonical = cpo::engine::toJson(config);
    QCOMPARE(canonical["model"], nlohmann::json::parse(
                                     R"({"hub": "openai-community/gpt2-xl", "revision": "main"})"));
    QCOMPARE(canonical["dataset"]["instruction_jsonl"]["file"].get<std::string>(),
             std::string("databricks-dolly-15k.jsonl"));
    QVERIFY(cpo::engine::parseExperiment(canonical, "canonical.json") == config);

    // The paper recipes name theirs on the Hub.
    const QString experiments = cpo::test::sourceDir() + "/experiments/";
    const auto dolly = cpo::engine::loadExperiment(
        (experiments + "paper-dolly-gpt2xl.json").toStdString());
    QCOMPARE(dolly.model.path, std::string("hub:openai-community/gpt2-xl@main"));
    QCOMPARE(dolly.dataset.instructionJsonl.path,
             std::string("hub:databricks/databricks-dolly-15k@main:databricks-dolly-15k.jsonl"));
    const auto llama = cpo::engine::loadExperiment(
        (experiments + "paper-wikidump-openllama3b.json").toStdString());
    QCOMPARE(llama.model.path, std::string("hub:openlm-research/open_llama_3b@main"));
}

void TestHub::experimentRejectsBadHubFields_data()
{
    QTest::addColumn<QString>("patch");
    QTest::addColumn<QString>("expected");
    QTest::newRow("path and hub") << R"({"model": {"path": "/m"}})"
                                  << "model.hub: \"path\" and \"hub\" are mutually exclusive";
    QTest::newRow("bad repo id") << R"({"model": {"hub": "not a repo"}})"
                                 << "model.hub: the reference: 'not a repo' is not a Hub "
                                    "repository id";
    QTest::newRow("dataset without file")
        << R"({"dataset": {"instruction_jsonl": {"file": null}}})"
        << "dataset.instruction_jsonl.file: missing";
    QTest::newRow("file on a model") << R"({"model": {"file": "x"}})" << "model.file";
}

void TestHub::experimentRejectsBadHubFields()
{
    QFETCH(QString, patch);
    QFETCH(QString, expected);
    const auto issues = issuesOf(hubExperiment(nlohmann::json::parse(patch.toStdString())));
    QVERIFY2(issues.find(expected.toStdString()) != std::string::npos, issues.c_str());
}

void TestHub::runRecordsTheCommitItsFilesCameFrom()
{
    qputenv("HF_ENDPOINT", QByteArray::fromStdString(m_hub->endpoint()));
    qputenv("HF_HUB_CACHE", QByteArray::fromStdString(m_cache.string()));
    const auto config = cpo::engine::parseExperiment(
        hubExperiment(nlohmann::json::parse(R"({
          "model": {"hub": "org/tiny-gpt2"}, "tokenizer": null,
          "dataset": {"instruction_jsonl": {"hub": "org/dolly", "file": "data/dolly.jsonl"}}
        })")),
        "hub.json");
    std::vector<std::string> status;
    const auto pinned = cpo::engine::pinHubReferences(
        config, [&](const std::string& line) { status.push_back(line); });
    qunsetenv("HF_ENDPOINT");
    qunsetenv("HF_HUB_CACHE");
    QCOMPARE(pinned.model.path, "hub:org/tiny-gpt2@" + std::string(kModelCommit));
    QCOMPARE(pinned.dataset.instructionJsonl.path,
             "hub:org/dolly@" + std::string(kDatasetCommit) + ":data/dolly.jsonl");
    QCOMPARE(cpo::engine::toJson(pinned)["model"]["revision"].get<std::string>(),
             std::string(kModelCommit));
    QVERIFY(!status.empty());
    QVERIFY(fs::exists(m_cache / "datasets--org--dolly" / "snapshots" / kDatasetCommit /
                       "data" / "dolly.jsonl"));
}

QTEST_MAIN(TestHub)
#include "tst_hub.moc"
