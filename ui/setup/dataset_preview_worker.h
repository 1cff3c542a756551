#pragma once

#include <QtCore/QList>
#include <QtCore/QMetaType>
#include <QtCore/QObject>
#include <QtCore/QString>

namespace cpo::ui {

// What to preview: a dataset as the experiment names it.
struct DatasetPreviewRequest {
    int generation = 0;    // echoed in the result, so a late answer to an old request is dropped
    QString kind;          // "instruction_jsonl" | "text_corpus"
    QString path;
    QString fieldsJson;    // instruction_jsonl's "fields": a preset name or an object, as JSON
    QString tokenizerPath; // measures lengths in its tokens; "" = whitespace-separated words
};

struct DatasetPreviewRecord {
    QString prompt;
    QString continuation;
};

// The first records and a histogram of their lengths, ready to show.
struct DatasetPreviewResult {
    int generation = 0;
    QString error; // non-empty: the dataset could not be read, and why
    QList<DatasetPreviewRecord> records;
    QString lengthUnit;
    QString tokenizerNote; // why lengths are not in tokens, when a tokenizer did not load
    qint64 recordsRead = 0;
    qint64 recordsSkipped = 0;
    qint64 measured = 0;
    QList<double> binStarts; // equal-width bins; the last ends at binEnd
    double binEnd = 0;
    QList<double> binCounts;
};

// Reads and measures a dataset on its own thread (moveToThread): a large JSONL file and a
// BPE tokenizer take a second or two, which the form must not wait for.
class DatasetPreviewWorker : public QObject {
    Q_OBJECT

public Q_SLOTS:
    void preview(const cpo::ui::DatasetPreviewRequest& request);

Q_SIGNALS:
    void ready(const cpo::ui::DatasetPreviewResult& result);
};

} // namespace cpo::ui

Q_DECLARE_METATYPE(cpo::ui::DatasetPreviewRequest)
Q_DECLARE_METATYPE(cpo::ui::DatasetPreviewResult)
