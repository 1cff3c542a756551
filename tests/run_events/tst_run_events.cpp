// The run events' JSON codec (engine/event_codec.h): every kind survives a round trip field
// for field, the `--events` field names stay as scripts read them, bad input names the
// field. Built without LibTorch's include path: these headers are what views include.

#include "engine/event_codec.h"
#include "engine/run_events.h"
#include "util/error.h"

#include <QtTest/QtTest>

#include <cmath>
#include <limits>
#include <set>
#include <string>

Q_DECLARE_METATYPE(cpo::engine::RunEvent)

namespace {

using namespace cpo::engine;
using cpo::train::negatives::Strategy;
using nlohmann::json;

cpo::train::ValidationMetrics validation()
{
    return {120, 1.875, 6.52, 4096};
}

cpo::train::CpoStepMetrics cpoStep()
{
    cpo::train::CpoStepMetrics e;
    e.step = 7;
    double value = 0.125;
    for (const auto& field : cpo::train::cpoMetricFields()) {
        e.*field.member = value;
        value += 1.0 / 3.0; // values that need every digit to come back equal
    }
    e.stepSeconds = 0.8125;
    e.elapsedSeconds = 12.5;
    e.strategies[static_cast<std::size_t>(Strategy::Bn)] = {3, 1, -0.25, -40.5, -41.75};
    e.strategies[static_cast<std::size_t>(Strategy::Tn)] = {1, 0, 0.5, -12.0, -12.5};
    return e;
}

DecodedSampleSet sampleSet()
{
    DecodedSampleSet e;
    e.set.step = 30;
    e.set.prompt = {5, 17, 3};
    cpo::train::SampleCandidate truth;
    truth.tokens = {8, 9};
    truth.policyLogProbs = {-0.5f, -1.25f};
    truth.referenceLogProbs = {-0.75f, -1.0f};
    truth.reward = 0.125;
    cpo::train::SampleCandidate negative = truth;
    negative.tokens = {11, 2};
    negative.strategy = Strategy::Mn;
    negative.reward = -0.3;
    negative.similarity = 0.61;
    negative.rank = 1;
    e.set.candidates = {truth, negative};
    e.prompt = "once upon";
    e.candidates = {"a time", "é\"quoted\"\n"};
    return e;
}

PhaseEnded phaseEnded()
{
    return {"mle", cpo::train::PhaseOutcome::Stopped, 120, 33.5, "stopped by the user",
            validation(), std::filesystem::path("/runs/a/checkpoints/mle/step-120")};
}

EvaluationFinished evaluation()
{
    return {"final", 300, 17,
            {{"mle", 0.33, 0.29, 0.37, 500, "oracle"},
             {"cpo", 0.41, 0.37, 0.45, 500, "oracle"},
             {"alpha=0.5", 0.5, 0.0, 1.0, 0, "oracle"}}};
}

RunSummary summary()
{
    RunSummary s;
    s.outcome = RunOutcome::Stopped;
    s.message = "stopped by the user";
    s.runDir = "/runs/a";
    s.configHash = "abc123";
    s.phases = {phaseEnded(), PhaseEnded{"cpo", cpo::train::PhaseOutcome::Finished, 6, 2.0, "",
                                         std::nullopt, std::nullopt}};
    s.seconds = 35.25;
    s.runId = 42;
    s.resumedFrom = "mle phase from step 100";
    s.evaluation = evaluation().results;
    return s;
}

RunEvent roundTrip(const RunEvent& event)
{
    return eventFromJson(json::parse(eventToJson(event).dump()));
}

} // namespace

class TestRunEvents : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void roundTripsEveryKind_data();
    void roundTripsEveryKind();
    void coversEveryKind();
    void notFiniteValuesSurvive();
    void keepsTheEventsFieldNames();
    void badInputNamesTheField();
    void cudaPeakMemoryIsOptional();
};

void TestRunEvents::roundTripsEveryKind_data()
{
    QTest::addColumn<RunEvent>("event");
    QTest::newRow("status") << RunEvent(StatusMessage{"building the oracle task"});
    QTest::newRow("data") << RunEvent(DataPrepared{"oracle: 64 examples", 64, 16, 8});
    QTest::newRow("model") << RunEvent(ModelPrepared{"gpt2 d=64", 123456});
    QTest::newRow("phase_started") << RunEvent(PhaseStarted{"cpo", 300});
    QTest::newRow("step") << RunEvent(cpo::train::StepMetrics{3, 2.5, 1e-4, 0.75, 4353.5, 0.25,
                                                              1.0 / 3.0});
    QTest::newRow("step on cuda") << RunEvent(cpo::train::StepMetrics{
        3, 2.5, 1e-4, 0.75, 4353.5, 0.25, 1.0 / 3.0, 37.25});
    QTest::newRow("validation") << RunEvent(validation());
    QTest::newRow("cpo_step") << RunEvent(cpoStep());
    auto onCuda = cpoStep();
    onCuda.cudaPeakMemGb = 71.5;
    QTest::newRow("cpo_step on cuda") << RunEvent(onCuda);
    QTest::newRow("sample_set") << RunEvent(sampleSet());
    QTest::newRow("checkpoint")
        << RunEvent(cpo::train::CheckpointSaved{50, "/runs/a/checkpoints/cpo/step-50"});
    QTest::newRow("phase_ended") << RunEvent(phaseEnded());
    QTest::newRow("paused") << RunEvent(PauseChanged{true});
    QTest::newRow("resumed") << RunEvent(PauseChanged{false});
    QTest::newRow("alert") << RunEvent(Alert{"saturated", "every reward is ±β", 12});
    QTest::newRow("run_finished") << RunEvent(RunFinished{summary()});
    QTest::newRow("evaluation") << RunEvent(evaluation());
    QTest::newRow("evaluation during mle")
        << RunEvent(EvaluationFinished{"mle", 250, 3, {{"mle", 0.25, 0.2, 0.3, 400, "lm:x"}}});
}

void TestRunEvents::roundTripsEveryKind()
{
    QFETCH(RunEvent, event);
    const auto back = roundTrip(event);
    QCOMPARE(back.index(), event.index());
    QVERIFY2(back == event, eventToJson(back).dump().c_str());
}

void TestRunEvents::coversEveryKind()
{
    // A kind added to RunEvent needs a row in roundTripsEveryKind_data and a case in the
    // codec: this fails until it has one.
    std::set<std::string> names;
    for (const auto& event :
         {RunEvent(StatusMessage{}), RunEvent(DataPrepared{}), RunEvent(ModelPrepared{}),
          RunEvent(PhaseStarted{}), RunEvent(cpo::train::StepMetrics{}),
          RunEvent(cpo::train::ValidationMetrics{}), RunEvent(cpo::train::CpoStepMetrics{}),
          RunEvent(DecodedSampleSet{}), RunEvent(cpo::train::CheckpointSaved{}),
          RunEvent(PhaseEnded{}), RunEvent(PauseChanged{}), RunEvent(Alert{}),
          RunEvent(RunFinished{}), RunEvent(EvaluationFinished{})})
        names.insert(eventToJson(event)["event"].get<std::string>());
    QCOMPARE(std::variant_size_v<RunEvent>, names.size());
}

void TestRunEvents::notFiniteValuesSurvive()
{
    // A diverged loss is NaN; JSON writes it as null and the reader turns it back.
    cpo::train::StepMetrics step{5, std::numeric_limits<double>::quiet_NaN(), 1e-4,
                                 std::numeric_limits<double>::quiet_NaN(), 10.0, 0.1, 0.5};
    const auto json = eventToJson(step);
    QVERIFY(json["loss"].is_null());
    const auto back = std::get<cpo::train::StepMetrics>(roundTrip(step));
    QVERIFY(std::isnan(back.loss));
    QVERIFY(std::isnan(back.gradNorm));
    QCOMPARE(back.lr, 1e-4);
}

void TestRunEvents::keepsTheEventsFieldNames()
{
    // What `cpo run --events` printed before the codec moved to core; scripts read these.
    const auto step = eventToJson(cpo::train::StepMetrics{3, 2.5, 1e-4, 0.75, 4353.5, 0.25, 1.0});
    for (const char* key : {"event", "step", "loss", "lr", "grad_norm", "tokens_per_s",
                            "elapsed_s"})
        QVERIFY2(step.contains(key), key);
    QCOMPARE(step["event"].get<std::string>(), std::string("step"));
    const auto cpo = eventToJson(cpoStep());
    for (const char* key : {"loss", "accuracy", "margin", "logratio_y1", "reward_y1", "strategies"})
        QVERIFY2(cpo.contains(key), key);
    QCOMPARE(cpo["strategies"]["bn"]["negatives"].get<int>(), 3);
    const auto set = eventToJson(sampleSet());
    QCOMPARE(set["candidates"][0]["strategy"].get<std::string>(), std::string("ground_truth"));
    QCOMPARE(set["candidates"][1]["strategy"].get<std::string>(), std::string("mn"));
    QCOMPARE(eventToJson(PauseChanged{true})["event"].get<std::string>(), std::string("paused"));
    QCOMPARE(eventToJson(phaseEnded())["outcome"].get<std::string>(), std::string("stopped"));
    const auto judged = eventToJson(evaluation());
    QCOMPARE(judged["event"].get<std::string>(), std::string("evaluation"));
    QCOMPARE(judged["results"][1]["model"].get<std::string>(), std::string("cpo"));
    for (const char* key : {"win_rate", "ci_low", "ci_high", "n", "judge"})
        QVERIFY2(judged["results"][1].contains(key), key);
    // The summary line: per model, keyed by its name.
    const auto line = summary().toJson();
    QCOMPARE(line["evaluation"]["cpo"]["win_rate"].get<double>(), 0.41);
    QCOMPARE(line["evaluation"]["alpha=0.5"]["n"].get<int>(), 0);
    // A run_finished line written before evaluations existed still reads.
    auto old = eventToJson(RunFinished{summary()});
    old.erase("evaluation");
    QVERIFY(std::get<RunFinished>(eventFromJson(old)).summary.evaluation.empty());
}

void TestRunEvents::badInputNamesTheField()
{
    const auto errorOf = [](const json& event) -> std::string {
        try {
            eventFromJson(event);
        } catch (const cpo::Error& e) {
            return e.what();
        }
        return "";
    };
    auto step = eventToJson(cpo::train::StepMetrics{});
    step.erase("grad_norm");
    const auto missing = errorOf(step);
    QVERIFY2(missing.find("'step'") != std::string::npos &&
                 missing.find("grad_norm") != std::string::npos,
             missing.c_str());
    auto ended = eventToJson(phaseEnded());
    ended["outcome"] = "exploded";
    QVERIFY(errorOf(ended).find("exploded") != std::string::npos);
    QVERIFY(errorOf(json{{"event", "teleported"}}).find("teleported") != std::string::npos);
    QVERIFY(!errorOf(json::array()).empty());
}

void TestRunEvents::cudaPeakMemoryIsOptional()
{
    // A CPU step has no cuda_peak_mem_gb: the field is left out (the lines read as before),
    // and a line without it reads back as absent; a CUDA step writes and reads it.
    const auto cpu = eventToJson(cpo::train::StepMetrics{3, 2.5, 1e-4, 0.75, 4353.5, 0.25, 1.0});
    QVERIFY(!cpu.contains("cuda_peak_mem_gb"));
    QVERIFY(!std::get<cpo::train::StepMetrics>(eventFromJson(cpu)).cudaPeakMemGb);
    QVERIFY(!eventToJson(cpoStep()).contains("cuda_peak_mem_gb"));
    QVERIFY(!std::get<cpo::train::CpoStepMetrics>(eventFromJson(eventToJson(cpoStep())))
                 .cudaPeakMemGb);

    cpo::train::StepMetrics gpu{3, 2.5, 1e-4, 0.75, 4353.5, 0.25, 1.0, 12.75};
    auto line = eventToJson(gpu);
    QCOMPARE(line["cuda_peak_mem_gb"].get<double>(), 12.75);
    QCOMPARE(std::get<cpo::train::StepMetrics>(eventFromJson(line)).cudaPeakMemGb.value_or(0),
             12.75);
    line["cuda_peak_mem_gb"] = "a lot";
    try {
        eventFromJson(line);
        QFAIL("a text cuda_peak_mem_gb was read");
    } catch (const cpo::Error& e) {
        QVERIFY2(std::string(e.what()).find("cuda_peak_mem_gb") != std::string::npos, e.what());
    }
}

QTEST_GUILESS_MAIN(TestRunEvents)
#include "tst_run_events.moc"
