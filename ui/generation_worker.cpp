#include "generation_worker.h"

#include "engine/generation_session.h"
#include "util/error.h"
#include "util/utf8_tail.h"

#include <QtCore/QElapsedTimer>

namespace cpo::ui {
namespace {

// The decoded tokens as text, without a character the next token has yet to complete.
QString shownText(const engine::GenerationSession& session,
                  const std::vector<std::int32_t>& tokens)
{
    const std::string bytes = session.decode(tokens);
    return QString::fromUtf8(bytes.data(), static_cast<qsizetype>(completeUtf8Length(bytes)));
}

} // namespace

struct GenerationWorker::Loaded {
    QString modelDir;
    QString tokenizerPath;
    QString device;
    std::unique_ptr<engine::GenerationSession> session;
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
    loaded->session = std::make_unique<engine::GenerationSession>(
        request.modelDir.toStdString(), request.tokenizerPath.toStdString(),
        request.device.toStdString());
    m_loaded = std::move(loaded);
}

void GenerationWorker::generate(const GenerationRequest& request)
{
    m_stopRequested = false;
    QElapsedTimer clock;
    clock.start();
    try {
        ensureLoaded(request);
        auto& session = *m_loaded->session;
        const auto prompt = session.encodePrompt(request.prompt.toStdString());
        Q_EMIT started(QString::fromStdString(session.describeTokenizer()) +
                       QStringLiteral(", prompt of %1 tokens").arg(prompt.size()));

        QElapsedTimer sinceUpdate;
        sinceUpdate.start();
        const auto generation = session.generate(
            prompt, {{request.temperature, request.topK, request.topP}, request.maxNewTokens,
                     request.seed},
            [&](const std::vector<std::int32_t>& tokens) {
                if (sinceUpdate.elapsed() >= 40) {
                    Q_EMIT progressed(shownText(session, tokens),
                                      static_cast<int>(tokens.size()));
                    sinceUpdate.restart();
                }
                return !m_stopRequested.load();
            });
        Q_EMIT finished(shownText(session, generation.tokens),
                        static_cast<int>(generation.tokens.size()), clock.elapsed() / 1000.0);
    } catch (const Error& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    } catch (const std::exception& e) {
        Q_EMIT failed(QString::fromStdString(e.what()));
    }
}

} // namespace cpo::ui
