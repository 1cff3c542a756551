#pragma once

#include "lazy_catalog.h"
#include "compare/run_comparison_values.h"

#include <QtCore/QList>
#include <QtCore/QObject>

#include <filesystem>
#include <memory>

namespace cpo::ui {

// The comparison's reads on a thread of its own (moveToThread).
class CompareWorker : public QObject {
    Q_OBJECT

public:
    explicit CompareWorker(QString database);
    ~CompareWorker() override;

public Q_SLOTS:
    void compare(const QList<qint64>& runIds);
    void loadSeries(const QList<qint64>& runIds, const QString& key);

Q_SIGNALS:
    void compared(const cpo::ui::RunComparison& comparison);
    void seriesLoaded(const cpo::ui::ComparedSeries& series);
    void failed(const QString& message);

private:
    bool open();

    LazyCatalog m_catalog;
};

} // namespace cpo::ui
