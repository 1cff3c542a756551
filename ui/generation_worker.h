#pragma once

#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QString>

#include <atomic>
#include <memory>

namespace cpo::ui {

// What the playground asks for: a value type, copied across the thread boundary.
struct GenerationRequest {
    QString modelDir;
    QString tokenizerPath;
    QString prompt;
    QString device = QStringLiteral("cpu");
    double temperature = 1.0;
    qint64 topK = 0;
    double topP = 1.0;
    qint64 maxNewTokens = 64;
    quint64 seed = 0;
};

// Loads a model and tokenizer and samples from them on its own thread (moveToThread), so the
// window never waits on LibTorch. The loaded pair is kept until another path is asked for.
class GenerationWorker : public QObject {
    Q_OBJECT

public:
    GenerationWorker();
    ~GenerationWorker() override;

    // Thread-safe: the running generation stops after its current token.
    void requestStop() { m_stopRequested = true; }

public Q_SLOTS:
    void generate(const cpo::ui::GenerationRequest& request);

Q_SIGNALS:
    void started(const QString& description);
    // The whole continuation so far; emitted at most every ~40 ms while it grows.
    void progressed(const QString& continuation, int tokens);
    void finished(const QString& continuation, int tokens, double seconds);
    void failed(const QString& message);

private:
    struct Loaded;
    void ensureLoaded(const GenerationRequest& request);

    std::unique_ptr<Loaded> m_loaded;
    std::atomic<bool> m_stopRequested{false};
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::GenerationRequest)
