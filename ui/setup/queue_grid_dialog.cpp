#include "setup/queue_grid_dialog.h"

#include <QtCore/QDir>
#include <QtCore/QFileInfo>
#include <QtCore/QSaveFile>
#include <QtWidgets/QDialogButtonBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QTableWidget>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>

namespace cpo::ui {
namespace {

using nlohmann::json;

constexpr int kAxisRows = 4;

json axisValues(const QString& text)
{
    json values = json::array();
    for (const auto& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const auto word = part.trimmed().toStdString();
        if (word.empty())
            continue;
        json value = json::parse(word, nullptr, false);
        values.push_back(value.is_discarded() ? json(word) : value);
    }
    return values;
}

} // namespace

json gridQueueJson(const QString& experimentFile, const QString& queueFile,
                   const QList<GridAxis>& axes)
{
    json grid = json::object();
    for (const auto& [key, values] : axes)
        if (!key.trimmed().isEmpty())
            grid[key.trimmed().toStdString()] = axisValues(values);
    const QString relative = QFileInfo(queueFile).absoluteDir().relativeFilePath(experimentFile);
    return {{"experiment", relative.toStdString()}, {"grid", grid}};
}

QueueGridDialog::QueueGridDialog(QString experimentFile, QWidget* parent)
    : QDialog(parent), m_experimentFile(std::move(experimentFile))
{
    setWindowTitle(tr("Queue a grid of runs"));
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(new QLabel(
        tr("Every combination of these values runs %1 once, one run after another.")
            .arg(QFileInfo(m_experimentFile).fileName())));
    m_axes = new QTableWidget(kAxisRows, 2, this);
    m_axes->setHorizontalHeaderLabels({tr("Field (JSON path)"), tr("Values, comma-separated")});
    m_axes->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_axes->setItem(0, 0, new QTableWidgetItem(QStringLiteral("cpo.beta")));
    m_axes->setItem(0, 1, new QTableWidgetItem(QStringLiteral("0.5, 5")));
    m_axes->setItem(1, 0, new QTableWidgetItem(QStringLiteral("cpo.sampler")));
    m_axes->setItem(1, 1, new QTableWidgetItem(QStringLiteral("mix, bn")));
    layout->addWidget(m_axes);

    auto* form = new QFormLayout;
    const QFileInfo experiment(m_experimentFile);
    m_queueFile = new QLineEdit(
        experiment.dir().filePath(experiment.completeBaseName() + QStringLiteral("-grid.json")));
    form->addRow(tr("Queue file"), m_queueFile);
    layout->addLayout(form);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(m_status);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Close, this);
    layout->addWidget(buttons);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    connect(buttons->button(QDialogButtonBox::Save), &QPushButton::clicked, this,
            [this] { write(m_queueFile->text()); });
    connect(m_axes, &QTableWidget::itemChanged, this, &QueueGridDialog::updateCount);
    updateCount();
    resize(560, 360);
}

QList<GridAxis> QueueGridDialog::axes() const
{
    QList<GridAxis> out;
    for (int row = 0; row < m_axes->rowCount(); ++row) {
        const auto* key = m_axes->item(row, 0);
        const auto* values = m_axes->item(row, 1);
        if (key && !key->text().trimmed().isEmpty())
            out.append({key->text(), values ? values->text() : QString()});
    }
    return out;
}

qsizetype QueueGridDialog::runCount() const
{
    qsizetype runs = 1;
    for (const auto& [key, values] : axes())
        runs *= std::max<qsizetype>(1, static_cast<qsizetype>(axisValues(values).size()));
    return runs;
}

void QueueGridDialog::updateCount()
{
    m_status->setText(tr("%n run(s)", nullptr, int(runCount())));
}

bool QueueGridDialog::write(const QString& queueFile)
{
    const auto document = gridQueueJson(m_experimentFile, queueFile, axes());
    QSaveFile out(queueFile);
    const QByteArray bytes = QByteArray::fromStdString(document.dump(2) + "\n");
    if (!out.open(QIODevice::WriteOnly) || out.write(bytes) != bytes.size() || !out.commit()) {
        m_status->setText(tr("Cannot write %1: %2").arg(queueFile, out.errorString()));
        return false;
    }
    m_status->setText(tr("Wrote %1: %n run(s). Run it with: cpo runs queue %1", nullptr,
                         int(runCount()))
                          .arg(queueFile));
    Q_EMIT queueWritten(queueFile);
    return true;
}

} // namespace cpo::ui
