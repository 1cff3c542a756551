// The OpenAI-compatible chat judge against a real HTTP server on 127.0.0.1 (cpp-httplib)
// speaking the chat-completions JSON, and the human judge's blind votes.

#include "engine/judge_config.h"
#include "eval/chat_client.h"
#include "eval/human_agreement.h"
#include "eval/human_judge.h"
#include "eval/openai_judge.h"
#include "store/evaluation_store.h"
#include "store/run_store.h"
#include "test_files.h"
#include "util/error.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <QtCore/QDir>
#include <QtCore/QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

using namespace cpo;
using eval::Preference;

namespace {

constexpr char kTemplate[] = "Prompt: {{prompt}}\nA: {{a}}\nB: {{b}}\nAnswer A, B or tie.";
constexpr char kKeyVariable[] = "CPO_TEST_JUDGE_KEY";
constexpr char kKey[] = "sk-test-7f3a9c0e1d2b4a6f8e5c";

// What the fake endpoint sends back for one request.
struct Reply {
    int status = 200;
    std::string content; // the assistant message (wrapped in a chat completion)
    std::string rawBody; // sent as is instead, when not empty
    int retryAfter = 0;
    int delayMs = 0;
};

Reply answer(std::string content)
{
    Reply reply;
    reply.content = std::move(content);
    return reply;
}

// A chat-completions endpoint on 127.0.0.1: `answer` sees the user message and the request's
// number (from 0) and decides the reply. Counts requests and the most in flight at once.
class FakeChatServer {
public:
    using Answer = std::function<Reply(const std::string& message, int number)>;

    explicit FakeChatServer(Answer answer) : m_answer(std::move(answer))
    {
        m_server.Post("/v1/chat/completions", [this](const httplib::Request& request,
                                                     httplib::Response& response) {
            const int inFlight = ++m_inFlight;
            {
                std::lock_guard lock(m_mutex);
                m_maxInFlight = std::max(m_maxInFlight, inFlight);
                m_authorization.push_back(request.get_header_value("Authorization"));
            }
            const auto body = nlohmann::json::parse(request.body);
            const std::string message = body["messages"][0]["content"];
            const Reply reply = m_answer(message, m_requests++);
            {
                std::lock_guard lock(m_mutex);
                m_messages.push_back(message);
            }
            if (reply.delayMs > 0)
                std::this_thread::sleep_for(std::chrono::milliseconds(reply.delayMs));
            response.status = reply.status;
            if (reply.retryAfter > 0)
                response.set_header("Retry-After", std::to_string(reply.retryAfter));
            const nlohmann::json completion{
                {"choices", {{{"message", {{"role", "assistant"}, {"content", reply.content}}}}}}};
            response.set_content(reply.rawBody.empty() ? completion.dump() : reply.rawBody,
                                 "application/json");
            --m_inFlight;
        });
        m_port = m_server.bind_to_any_port("127.0.0.1");
        // Bound already: connections wait in the backlog until the thread accepts them.
        m_thread = std::thread([this] { m_server.listen_after_bind(); });
    }
    ~FakeChatServer()
    {
        m_server.stop();
        m_thread.join();
    }

    std::string url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    int requests() const { return m_requests; }
    int maxInFlight()
    {
        std::lock_guard lock(m_mutex);
        return m_maxInFlight;
    }
    std::vector<std::string> messages()
    {
        std::lock_guard lock(m_mutex);
        return m_messages;
    }
    std::vector<std::string> authorization()
    {
        std::lock_guard lock(m_mutex);
        return m_authorization;
    }

private:
    Answer m_answer;
    httplib::Server m_server;
    int m_port = 0;
    std::thread m_thread;
    std::atomic<int> m_requests{0};
    std::atomic<int> m_inFlight{0};
    std::mutex m_mutex;
    int m_maxInFlight = 0;
    std::vector<std::string> m_messages;
    std::vector<std::string> m_authorization;
};

// Prefers whichever text shown as A or B contains "good".
Reply preferGood(const std::string& message, int)
{
    const auto a = message.find("\nA: ");
    const auto b = message.find("\nB: ");
    const bool aGood = message.substr(a, b - a).find("good") != std::string::npos;
    return answer(aGood ? "A" : "B.");
}

std::vector<eval::JudgePair> pairs(int count)
{
    std::vector<eval::JudgePair> out;
    for (int i = 0; i < count; ++i)
        out.push_back({"question " + std::to_string(i), "a good answer " + std::to_string(i),
                       "a poor answer " + std::to_string(i), {}, {}, {}});
    return out;
}

// A run row for evaluations to belong to.
std::int64_t addRun(store::RunStore& runs, const char* name)
{
    store::RunRecord run;
    run.name = name;
    run.experimentJson = "{}";
    return runs.createRun(run);
}

} // namespace

class TestJudges : public QObject {
    Q_OBJECT

private:
    engine::JudgeConfig config(const std::string& url, nlohmann::json extra = {});
    std::filesystem::path dbPath() const { return m_dir.filePath("runs.sqlite").toStdString(); }

    QTemporaryDir m_dir;

private Q_SLOTS:
    void initTestCase();
    void bothOrdersAreAsked();
    void disagreementIsATie();
    void tooManyRequestsIsRetriedAfterRetryAfter();
    void timeoutIsARecordedFailure();
    void rerunCostsNoRequest();
    void malformedAnswersAreFailuresWithTheirText();
    void oversizedAnswerIsAFailureNotRetried();
    void apiKeyIsNeverStored();
    void requestsOverlap();
    void deadEndpointFailsClearlyAndKeepsWhatWasJudged();
    void configErrorsNameTheField();
    void humanVotesAreBlindAndTalliedPerVoter();
    void humanWinRateAgreesWithEachJudgeOnTheSamePairs();
};

engine::JudgeConfig TestJudges::config(const std::string& url, nlohmann::json extra)
{
    nlohmann::json document{{"kind", "openai"},     {"base_url", url + "/v1"},
                            {"model", "judge-1"},    {"template", "pairwise.txt"},
                            {"backoff_s", 0.01},     {"concurrency", 4}};
    for (auto& [key, value] : extra.items())
        document[key] = value;
    return engine::parseJudgeConfig(document, "judge.json", m_dir.path().toStdString());
}

void TestJudges::initTestCase()
{
    QVERIFY(m_dir.isValid());
    test::writeFile(m_dir.filePath("pairwise.txt"), kTemplate);
    ::setenv(kKeyVariable, kKey, 1);
}

void TestJudges::bothOrdersAreAsked()
{
    FakeChatServer server(preferGood);
    eval::OpenAiJudge judge(config(server.url()), nullptr);
    const auto verdicts = judge.judge(pairs(1));
    QCOMPARE(server.requests(), 2);
    const auto messages = server.messages();
    const bool goodFirst = messages[0].find("A: a good") != std::string::npos;
    const bool goodSecond = messages[1].find("A: a good") != std::string::npos;
    QVERIFY2(goodFirst != goodSecond, "the good answer was shown as A in exactly one order");
    QCOMPARE(verdicts.size(), std::size_t(1));
    QVERIFY(!verdicts[0].failed);
    QVERIFY(verdicts[0].preference == Preference::A);
    QVERIFY(!verdicts[0].flipped);
    QCOMPARE(judge.stats().flipRate(), 0.0);
}

void TestJudges::disagreementIsATie()
{
    // Pure position bias: always "A", so the two orders contradict each other.
    FakeChatServer server([](const std::string&, int) { return answer("A"); });
    eval::OpenAiJudge judge(config(server.url()), nullptr);
    const auto verdicts = judge.judge(pairs(3));
    for (const auto& verdict : verdicts) {
        QVERIFY(!verdict.failed);
        QVERIFY(verdict.preference == Preference::Tie);
        QVERIFY(verdict.flipped);
    }
    QCOMPARE(judge.stats().flips, 3);
    QCOMPARE(judge.stats().flipRate(), 1.0);
}

void TestJudges::tooManyRequestsIsRetriedAfterRetryAfter()
{
    FakeChatServer server([](const std::string& message, int number) {
        if (number == 0)
        {
            Reply reply;
            reply.status = 429;
            reply.rawBody = "{\"error\": \"slow down\"}";
            reply.retryAfter = 1;
            return reply;
        }
        return preferGood(message, number);
    });
    eval::OpenAiJudge judge(config(server.url(), {{"concurrency", 1}}), nullptr);
    const auto start = std::chrono::steady_clock::now();
    const auto verdicts = judge.judge(pairs(1));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QCOMPARE(server.requests(), 3); // two orders, one of them retried once
    QVERIFY2(seconds >= 0.95, qPrintable(QString("waited %1 s, Retry-After said 1").arg(seconds)));
    QVERIFY(!verdicts[0].failed);
    QVERIFY(verdicts[0].preference == Preference::A);
}

void TestJudges::timeoutIsARecordedFailure()
{
    FakeChatServer server([](const std::string& message, int number) {
        Reply reply = preferGood(message, number);
        if (message.find("question 1") != std::string::npos)
            reply.delayMs = 700;
        return reply;
    });
    store::RunStore store(dbPath());
    eval::OpenAiJudge judge(config(server.url(), {{"timeout_s", 0.2}, {"max_retries", 1}}),
                            &store);
    const auto verdicts = judge.judge(pairs(2));
    QVERIFY(!verdicts[0].failed);
    QVERIFY(verdicts[1].failed);
    QVERIFY2(verdicts[1].detail.find("timed out") != std::string::npos,
             verdicts[1].detail.c_str());
    QCOMPARE(judge.stats().failures, 1);
    // Question 1 was tried twice in each order (the first try and one retry).
    QCOMPARE(server.requests(), 2 + 4);
}

void TestJudges::rerunCostsNoRequest()
{
    FakeChatServer server(preferGood);
    const auto judgeConfig = config(server.url());
    auto questions = pairs(4);
    questions[0].a = "cache test " + questions[0].a;
    {
        store::RunStore store(dbPath());
        eval::OpenAiJudge judge(judgeConfig, &store);
        (void)judge.judge(questions);
        QCOMPARE(judge.stats().requests, 8);
    }
    const int before = server.requests();
    store::RunStore store(dbPath());
    eval::OpenAiJudge again(judgeConfig, &store);
    const auto verdicts = again.judge(questions);
    QCOMPARE(server.requests(), before);
    QCOMPARE(again.stats().requests, 0);
    QCOMPARE(again.stats().cached, 8);
    for (const auto& verdict : verdicts)
        QVERIFY(verdict.preference == Preference::A);
}

void TestJudges::malformedAnswersAreFailuresWithTheirText()
{
    FakeChatServer server([](const std::string& message, int) {
        Reply reply = answer("Both answers have their merits.");
        if (message.find("question 0") != std::string::npos)
            reply.rawBody = "this is { not json";
        return reply;
    });
    store::RunStore store(dbPath());
    auto questions = pairs(2);
    questions[0].prompt = "malformed " + questions[0].prompt;
    questions[1].prompt = "rambling " + questions[1].prompt;
    eval::OpenAiJudge judge(config(server.url()), &store);
    const auto verdicts = judge.judge(questions);
    QVERIFY(verdicts[0].failed);
    QVERIFY2(verdicts[0].detail.find("this is { not json") != std::string::npos,
             verdicts[0].detail.c_str());
    QVERIFY(verdicts[1].failed);
    QVERIFY2(verdicts[1].detail.find("Both answers have their merits.") != std::string::npos,
             verdicts[1].detail.c_str());
    // Recorded with the raw text, so a re-run does not pay for the same answer again.
    const auto cached = store.findJudgment(engine::judgeConfigHash(config(server.url())),
                                           engine::textHash(questions[1].prompt),
                                           engine::textHash(std::to_string(questions[1].a.size())
                                                            + ":" + questions[1].a
                                                            + questions[1].b),
                                           true);
    QVERIFY(cached);
    QCOMPARE(cached->verdict, std::string("unparseable"));
    QCOMPARE(cached->rawAnswer, std::string("Both answers have their merits."));
}

void TestJudges::oversizedAnswerIsAFailureNotRetried()
{
    // A reply past the cap (1 MiB) is never held whole: the verdict fails and says why, and
    // asking again would only fetch the same flood.
    FakeChatServer server([](const std::string& message, int number) {
        Reply reply = preferGood(message, number);
        if (message.find("question 0") != std::string::npos)
            reply.rawBody = "{\"choices\": [{\"message\": {\"content\": \"" +
                            std::string(eval::kMaxJudgeReplyBytes, 'A') + "\"}}]}";
        return reply;
    });
    eval::OpenAiJudge judge(config(server.url()), nullptr);
    const auto verdicts = judge.judge(pairs(2));
    QVERIFY(verdicts[0].failed);
    QVERIFY2(verdicts[0].detail.find("larger than the 1 MiB a judge's answer may have") !=
                 std::string::npos,
             verdicts[0].detail.substr(0, 300).c_str());
    QVERIFY2(verdicts[0].detail.size() < 1000, "the flood is not quoted");
    QVERIFY(!verdicts[1].failed);
    QCOMPARE(server.requests(), 4); // two orders each, none asked again
}

void TestJudges::apiKeyIsNeverStored()
{
    FakeChatServer server(preferGood);
    const auto file = std::filesystem::path(m_dir.filePath("key.sqlite").toStdString());
    {
        store::RunStore store(file);
        eval::OpenAiJudge judge(config(server.url(), {{"api_key_env", kKeyVariable}}), &store);
        (void)judge.judge(pairs(2));
    }
    for (const auto& header : server.authorization())
        QCOMPARE(header, std::string("Bearer ") + kKey);
    // The database and whatever WAL or journal files lie next to it.
    for (const auto& entry : std::filesystem::directory_iterator(file.parent_path())) {
        if (!entry.path().filename().string().starts_with("key.sqlite"))
            continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        QVERIFY2(bytes.str().find(kKey) == std::string::npos, entry.path().c_str());
    }
    QVERIFY_THROWS_EXCEPTION(Error, eval::OpenAiJudge(config(server.url(), {{"api_key_env",
                                                                             "CPO_UNSET_KEY"}}),
                                                      nullptr));
}

void TestJudges::requestsOverlap()
{
    FakeChatServer server([](const std::string& message, int number) {
        Reply reply = preferGood(message, number);
        reply.delayMs = 150;
        return reply;
    });
    eval::OpenAiJudge judge(config(server.url(), {{"concurrency", 4}}), nullptr);
    const auto start = std::chrono::steady_clock::now();
    (void)judge.judge(pairs(6));
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    QCOMPARE(server.requests(), 12);
    QCOMPARE(server.maxInFlight(), 4);
    QVERIFY2(seconds < 12 * 0.15, qPrintable(QString("took %1 s").arg(seconds)));
}

void TestJudges::deadEndpointFailsClearlyAndKeepsWhatWasJudged()
{
    const auto questions = pairs(2);
    std::string hash;
    {
        FakeChatServer server(preferGood);
        store::RunStore store(dbPath());
        eval::OpenAiJudge judge(config(server.url()), &store);
        (void)judge.judge(std::span(questions).first(1));
        hash = engine::judgeConfigHash(config(server.url()));
    }
    store::RunStore store(dbPath());
    // Port 1: nothing listens there, the connection is refused.
    eval::OpenAiJudge judge(config("http://127.0.0.1:1", {{"max_retries", 1}}), &store);
    try {
        (void)judge.judge(questions);
        QFAIL("judging against a dead endpoint succeeded");
    } catch (const Error& e) {
        QVERIFY2(std::string(e.what()).find("cannot be reached") != std::string::npos,
                 e.what());
        QVERIFY2(std::string(e.what()).find("127.0.0.1:1") != std::string::npos, e.what());
    }
    QVERIFY(store.findJudgment(hash, engine::textHash(questions[0].prompt),
                               engine::textHash(std::to_string(questions[0].a.size()) + ":"
                                                + questions[0].a + questions[0].b),
                               false));
}

void TestJudges::configErrorsNameTheField()
{
    try {
        (void)engine::parseJudgeConfig(
            {{"kind", "openai"}, {"base_url", "ftp://x"}, {"api_key", "sk-1"}, {"model", "m"},
             {"template", "missing.txt"}},
            "judge.json", m_dir.path().toStdString());
        QFAIL("a bad judge config was accepted");
    } catch (const Error& e) {
        const std::string message = e.what();
        for (const char* field : {"api_key", "base_url", "template", "api_key_env"})
            QVERIFY2(message.find(field) != std::string::npos, e.what());
        QVERIFY2(message.find("sk-1") == std::string::npos, "the key is echoed back");
    }
    const auto oracle = engine::parseJudgeConfig({{"kind", "oracle"}, {"score", "total"}},
                                                 "oracle.json", {});
    QVERIFY(oracle.score == engine::LikelihoodScore::Total);
    QCOMPARE(oracle.name, std::string("oracle"));
}

void TestJudges::humanVotesAreBlindAndTalliedPerVoter()
{
    store::RunStore runs(m_dir.filePath("human.sqlite").toStdString());
    const auto runId = addRun(runs, "human");
    store::EvaluationStore evaluations(runs.database());
    std::vector<store::GenerationRecord> generations(40);
    for (int i = 0; i < 40; ++i) {
        generations[i].exampleHash = std::to_string(i);
        generations[i].text = "model " + std::to_string(i);
        generations[i].reference = "truth " + std::to_string(i);
    }
    const auto evaluationId = evaluations.insertEvaluation(
        {0, runId, "test", "cpo", std::nullopt, 300, "human", "{}", "{}", 0}, generations);
    const auto stored = evaluations.generations(evaluationId);
    QCOMPARE(stored.size(), std::size_t(40));
    // Blind: about half shown each way, the same order each time a voter comes back.
    int modelFirst = 0;
    for (const auto& generation : stored) {
        modelFirst += eval::blindOrder(generation.id, "ada") ? 1 : 0;
        QCOMPARE(eval::blindOrder(generation.id, "ada"), eval::blindOrder(generation.id, "ada"));
    }
    QVERIFY2(modelFirst > 10 && modelFirst < 30, qPrintable(QString::number(modelFirst)));
    // Ada always picks the model's text (whichever side it was on); Bob always picks "b".
    for (const auto& generation : stored) {
        const bool shownA = eval::blindOrder(generation.id, "ada");
        evaluations.addHumanVote(eval::makeVote(generation.id, "ada", shownA ? "a" : "b"));
        evaluations.addHumanVote(eval::makeVote(generation.id, "bob", "b"));
    }
    const auto votes = evaluations.humanVotes(evaluationId);
    QCOMPARE(votes.size(), std::size_t(80));
    const auto byVoter = eval::tallyByVoter(votes);
    QCOMPARE(byVoter.at("ada").wins, 40);
    const auto& bob = byVoter.at("bob");
    QCOMPARE(bob.total(), 40);
    QVERIFY(bob.wins > 0 && bob.losses > 0); // "b" is the model or the truth, as shown
    QCOMPARE(eval::tallyVotes(votes).total(), 80);
    QVERIFY_THROWS_EXCEPTION(Error, eval::makeVote(stored[0].id, "ada", "c"));
}

void TestJudges::humanWinRateAgreesWithEachJudgeOnTheSamePairs()
{
    // A hand-made table. Six pairs of one model; a person voted on all six (human evaluation),
    // the oracle judged the same six in another evaluation, an LM judge the first four; an
    // oracle evaluation of another model holds the same texts and must not count.
    //   human  W W L L T W      oracle W W L W T L      lm W L L L
    // Human: (3 + ½) / 6. Oracle: p_o = 4/6, p_e = (3·3 + 1·1 + 2·2)/36 = 14/36, so
    // κ = (24/36 − 14/36) / (22/36) = 5/11. LM on four: p_o = 3/4, p_e = (2·1 + 2·3)/16 = ½,
    // κ = ½.
    store::RunStore runs(m_dir.filePath("human-kappa.sqlite").toStdString());
    const auto runId = addRun(runs, "kappa");
    store::EvaluationStore evaluations(runs.database());
    const auto rows = [](std::size_t count, const std::string& verdicts) {
        std::vector<store::GenerationRecord> generations(count);
        for (std::size_t i = 0; i < count; ++i) {
            generations[i].exampleHash = std::to_string(i);
            generations[i].prompt = "prompt " + std::to_string(i);
            generations[i].text = "model " + std::to_string(i);
            generations[i].reference = "truth " + std::to_string(i);
            if (!verdicts.empty())
                generations[i].verdict = verdicts[i] == 'W'   ? "win"
                                         : verdicts[i] == 'L' ? "loss"
                                                              : "tie";
        }
        return generations;
    };
    const auto insert = [&](const char* model, const char* judge, std::size_t count,
                            const std::string& verdicts) {
        return evaluations.insertEvaluation(
            {0, runId, "test", model, std::nullopt, 300, judge, "{}", "{}", 0},
            rows(count, verdicts));
    };
    const auto human = insert("cpo", "human", 6, "");
    insert("cpo", "oracle", 6, "WWLWTL");
    insert("cpo", "lm:judge", 4, "WLLL");
    insert("mle", "oracle", 6, "LLLLLL");
    const std::string wanted = "WWLLTW";
    const auto voted = evaluations.generations(human);
    for (std::size_t i = 0; i < voted.size(); ++i) {
        const bool shownA = eval::blindOrder(voted[i].id, "ada");
        const char* choice = wanted[i] == 'T' ? "tie"
                             : (wanted[i] == 'W') == shownA ? "a" : "b";
        evaluations.addHumanVote(eval::makeVote(voted[i].id, "ada", choice));
    }

    const auto result = eval::humanWinRate(evaluations, runId, human);
    QCOMPARE(result.tally.wins, 3);
    QCOMPARE(result.tally.ties, 1);
    QCOMPARE(result.tally.losses, 2);
    QCOMPARE(result.voters, 1);
    QCOMPARE(result.winRate.n, 6);
    QVERIFY(std::abs(result.winRate.rate - 3.5 / 6) < 1e-12);
    // The Wilson interval of 3.5 / 6 (z = 1.96), by hand: [0.2411, 0.8606].
    QVERIFY(std::abs(result.winRate.ciLow - 0.2411) < 1e-3);
    QVERIFY(std::abs(result.winRate.ciHigh - 0.8606) < 1e-3);
    QCOMPARE(result.agreement.size(), std::size_t(2));
    const auto& oracle = result.agreement[0];
    QCOMPARE(oracle.judge, std::string("oracle"));
    QCOMPARE(oracle.pairs, 6);
    QVERIFY(oracle.kappa && std::abs(*oracle.kappa - 5.0 / 11) < 1e-12);
    const auto& lm = result.agreement[1];
    QCOMPARE(lm.judge, std::string("lm:judge"));
    QCOMPARE(lm.pairs, 4);
    QVERIFY(lm.kappa && std::abs(*lm.kappa - 0.5) < 1e-12);
    QVERIFY_THROWS_EXCEPTION(Error, eval::humanWinRate(evaluations, runId + 1, human));
}

QTEST_APPLESS_MAIN(TestJudges)
#include "tst_judges.moc"
