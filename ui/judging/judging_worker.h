#pragma once

#include "lazy_catalog.h"
#include "judging/judged_table_model.h"
#include "store/evaluation_store.h"

#include <QtCore/QObject>
#include <QtCore/QString>

#include <filesystem>
#include <memory>
#include <optional>

namespace cpo::ui {

// The judging view's reads and votes on a thread of its own (moveToThread): a run's judged
// examples (engine::judgedExamples), and the votes the panel casts or takes back.
class JudgingWorker : public QObject {
    Q_OBJECT

public:
    explicit JudgingWorker(QString database);
    ~JudgingWorker() override;

public Q_SLOTS:
    void load(qint64 runId);
    void addVote(const cpo::store::HumanVoteRecord& vote);
    void removeVote(qint64 voteId);

Q_SIGNALS:
    void loaded(qint64 runId, const cpo::engine::JudgedExamples& judged);
    void voteStored(qint64 generationId, qint64 voteId);
    void failed(const QString& message);

private:
    bool open();
    void reload();

    LazyCatalog m_catalog;
    std::optional<qint64> m_run;
};

} // namespace cpo::ui
