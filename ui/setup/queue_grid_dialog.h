#pragma once

#include <QtCore/QList>
#include <QtCore/QPair>
#include <QtWidgets/QDialog>

#include <nlohmann/json.hpp>

class QLabel;
class QLineEdit;
class QTableWidget;

namespace cpo::ui {

// One varied field of a grid: its JSON path and its values, comma-separated ("1, 5").
using GridAxis = QPair<QString, QString>;

// The queue file (README, "cpo runs queue") that runs `experimentFile` for every combination
// of the axes' values: {"experiment": path relative to the queue file, "grid": {...}}. Each
// value is JSON when it parses ("5", "true", "\"x\""), else a string ("bn"); rows with an
// empty key are left out.
nlohmann::json gridQueueJson(const QString& experimentFile, const QString& queueFile,
                             const QList<GridAxis>& axes);

// A small dialog that writes such a queue file and says how many runs it makes, and how to
// run it (`cpo runs queue FILE`).
class QueueGridDialog : public QDialog {
    Q_OBJECT

public:
    QueueGridDialog(QString experimentFile, QWidget* parent = nullptr);

    QList<GridAxis> axes() const;
    qsizetype runCount() const; // every combination of the axes' values
    // Writes the queue file; false with the reason shown in the dialog when it cannot.
    bool write(const QString& queueFile);

Q_SIGNALS:
    void queueWritten(const QString& queueFile);

private:
    void updateCount();

    QString m_experimentFile;
    QTableWidget* m_axes = nullptr;
    QLineEdit* m_queueFile = nullptr;
    QLabel* m_status = nullptr;
};

} // namespace cpo::ui
