#pragma once

#include "setup/dataset_preview_worker.h"

#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtWidgets/QWidget>

class QCustomPlot;
class QLabel;
class QTableWidget;

namespace cpo::ui {

// The first records of the dataset and a histogram of their lengths, computed by a worker on
// its own thread. Requests are coalesced: typing a path asks once, when typing pauses.
class DatasetPreviewPane : public QWidget {
    Q_OBJECT

public:
    explicit DatasetPreviewPane(QWidget* parent = nullptr);
    ~DatasetPreviewPane() override;

    // Shows the dataset `request` names (after a short pause); an empty path clears the pane.
    void request(DatasetPreviewRequest request);

    const DatasetPreviewResult& result() const { return m_result; }

Q_SIGNALS:
    void shown(); // a result (or an error) is on screen
    void previewRequested(const cpo::ui::DatasetPreviewRequest& request); // to the worker

private:
    void show(const DatasetPreviewResult& result);

    QThread m_thread;
    QTimer m_debounce;
    DatasetPreviewRequest m_pending;
    DatasetPreviewRequest m_last;
    int m_generation = 0;
    DatasetPreviewResult m_result;
    QLabel* m_status = nullptr;
    QTableWidget* m_records = nullptr;
    QCustomPlot* m_histogram = nullptr;
};

} // namespace cpo::ui
