// Candidate inspector benchmark (not a CTest test): the time from selecting a sample set of
// K = 8 candidates × 512 tokens to its per-token colouring on screen. Two parts, measured in
// one process: the worker's read of the set from a run store (a temporary file), and the
// view's layout and paint of all 4096 coloured tokens. Goal: their sum ≤ 200 ms. Offscreen
// unless QT_QPA_PLATFORM says otherwise; the last line printed is the JSON figure.
//
//   bench_inspector [REPEATS]

#include "bench/latency_stats.h"
#include "engine/run_catalog.h"
#include "inspector/inspector_view.h"
#include "store/run_store.h"

#include <QtCore/QElapsedTimer>
#include <QtCore/QTemporaryDir>
#include <QtWidgets/QApplication>

#include <cstdio>
#include <random>

using namespace cpo;

namespace {

constexpr int kCandidates = 8;
constexpr int kTokens = 512;

store::SampleSetRecord syntheticSet(std::int64_t runId, std::int64_t step, std::mt19937& rng)
{
    std::uniform_int_distribution<std::int32_t> token(0, 50000);
    std::normal_distribution<float> logp(-3.0f, 2.0f);
    const char* strategies[] = {"", "an", "bn", "mn", "tn", "an", "mn", "bn"};
    store::SampleSetRecord set;
    set.runId = runId;
    set.phase = "cpo";
    set.step = step;
    set.prompt = "Describe the package libfoo.";
    for (int k = 0; k < kCandidates; ++k) {
        store::CandidateRecord c;
        c.idx = k;
        c.role = k == 0 ? store::CandidateRole::GroundTruth : store::CandidateRole::Negative;
        c.strategy = strategies[k];
        for (int t = 0; t < kTokens; ++t) {
            c.tokenIds.push_back(token(rng));
            c.logpTheta.push_back(std::min(0.0f, logp(rng)));
            c.logpRef.push_back(std::min(0.0f, logp(rng)));
        }
        c.reward = static_cast<double>(logp(rng));
        c.similarity = 0.5;
        c.rank = k;
        set.candidates.push_back(std::move(c));
    }
    return set;
}

} // namespace

int main(int argc, char** argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int repeats = argc > 1 ? std::atoi(argv[1]) : 20;

    QTemporaryDir dir;
    const auto db = std::filesystem::path(dir.filePath(QStringLiteral("runs.sqlite")).toStdString());
    std::mt19937 rng(7);
    std::int64_t runId = 0;
    {
        store::RunStore writer(db);
        store::RunRecord run;
        run.name = "bench";
        run.experimentJson = "{}";
        runId = writer.createRun(run);
        for (int s = 0; s < 4; ++s)
            writer.insertSampleSet(syntheticSet(runId, 50 * (s + 1), rng));
    }
    engine::RunCatalog catalog(db);

    ui::InspectorView view;
    view.resize(1600, 1000);
    view.show();
    std::vector<double> readMs;
    std::vector<double> showMs;
    std::vector<double> totalMs;
    for (int i = 0; i < repeats; ++i) {
        QElapsedTimer clock;
        clock.start();
        // What the worker does on a selection: read the run's sets, pick one, make pieces.
        auto sets = catalog.sampleSets(runId);
        ui::InspectedSampleSet shown;
        shown.runId = runId;
        shown.set = std::move(sets[static_cast<std::size_t>(i) % sets.size()]);
        for (const auto& c : shown.set.candidates) {
            std::vector<QString> pieces;
            pieces.reserve(c.tokenIds.size());
            for (const auto id : c.tokenIds)
                pieces.push_back(QString::number(id));
            shown.pieces.push_back(std::move(pieces));
        }
        const double read = static_cast<double>(clock.nsecsElapsed()) / 1e6;
        // What the view does: lay out, colour and paint every token (repaint is synchronous).
        QElapsedTimer paint;
        paint.start();
        view.showSampleSet(shown);
        QApplication::processEvents(); // the layouts settle
        view.repaint();
        const double show = static_cast<double>(paint.nsecsElapsed()) / 1e6;
        readMs.push_back(read);
        showMs.push_back(show);
        totalMs.push_back(read + show);
    }
    const auto read = latencyStats(readMs);
    const auto show = latencyStats(showMs);
    const auto total = latencyStats(totalMs);
    std::printf("inspector: %d × %d tokens, %d selections: store read p50 %.1f ms, "
                "layout+paint p50 %.1f ms, selection→coloured p50 %.1f ms, max %.1f ms "
                "(goal ≤ 200 ms)\n",
                kCandidates, kTokens, repeats, read.p50, show.p50, total.p50, total.max);
    std::printf("{\"bench\":\"inspector\",\"candidates\":%d,\"tokens\":%d,\"read_p50_ms\":%.2f,"
                "\"show_p50_ms\":%.2f,\"total_p50_ms\":%.2f,\"total_max_ms\":%.2f}\n",
                kCandidates, kTokens, read.p50, show.p50, total.p50, total.max);
    return total.max <= 200.0 ? 0 : 1;
}
