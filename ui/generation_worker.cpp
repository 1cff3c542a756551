#include "generation_worker.h"

#include "eval/generate.h"
#include "eval/generation_setup.h"
#include "model/device.h"
#include "model/hf_folder.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

#include <c10/util/Exception.h>

#include <QtCore/QElapsedTimer>

namespace cpo::ui {

struct GenerationWorker::Loaded {
    QString modelDir;
    QString tokenizerPath;
    QString device;
    model::CausalLM model;
    std::unique_ptr<tokenize::Tokenizer> tokenizer;
};

GenerationWorker::GenerationWorker() = default;
GenerationWorker::~GenerationWorker() = default;

void GenerationWorker::ensureLoaded(const GenerationRequest& request)
{
    if (m_loaded && m_loaded->modelDir == request.modelDir &&
        m_loaded->tokenizerPath == request.tokenizerPath && m_loaded->device == request.device)
        return;
    m_loaded.reset();
    auto loaded = std::make_unique<Loaded>();
    loaded->modelDir = request.modelDir;
    loaded->tokenizerPath = request.tokenizerPath;
    loaded->device = request.device;
    loaded->tokenizer = tokenize::loadTokenizer(request.tokenizerPath.toStdString());
    loaded->model = model::loadHfModel(request.modelDir.toStdString(),
                                       model::parseDevice(request.device.toStdString()));
    m_loaded = std::move(loaded);
}

void GenerationWorker::generate(const GenerationRequest& request)
{
    m_stopRequested = false;
    QElapsedTimer clock;
    clock.start();
    try {
        ensureLoaded(request);
        const auto& tokenizer = *m_loaded->tokenizer;
        const auto [prompt, options] = eval::prepareGeneration(
            tokenizer, request.prompt.toStdString(),
            {{request.temperature, request.topK, request.topP}, request.maxNewTokens,
             request.seed});
        Q_EMIT started(QString::fromStdString(tokenizer.describe()) +
                       QStringLiteral(", prompt of %1 tokens").arg(prompt.size()));

        std::vector<std::int32_t> tokens;
        QElapsedTimer sinceUpdate;
        sinceUpdate.start();
        eval::generate(*m_loaded->model, {prompt}, options, [&](std::int64_t, std::int32_t id) {
            tokens.push_back(id);
            if (sinceUpdate.elapsed() >= 40) {
                Q_EMIT progressed(QString::fromStdString(tokenizer.decode(tokens)),
                                  static_cast<int>(tokens.size()));
                sinceUpdate.restart();
            }
            return !m_stopRequested.load();
        });
        Q_EMIT finished(QString::fromStdString(tokenizer.decode(tokens)),
                        static_cast<int>(tokens.size()), clock.elapsed() / 1000.0);
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    } catch (const c10::Error& e) {
        Q_EMIT failed(QString::fromStdString(e.what_without_backtrace()).section('\n', 0, 0));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace cpo::ui
