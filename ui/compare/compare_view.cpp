#include "compare/compare_view.h"

#include "compare/difference_table_model.h"
#include "dashboard/qcustomplot_include.h"

#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

namespace cpo::ui {
namespace {

const QList<QColor> kRunColours{QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                                QColor(214, 39, 40), QColor(148, 103, 189)};

// The metric shown first: CPO's loss when the runs have it.
QString preferredKey(const QStringList& keys)
{
    for (const auto& key : {QStringLiteral("cpo/loss"), QStringLiteral("mle/val_loss"),
                            QStringLiteral("mle/loss")})
        if (keys.contains(key))
            return key;
    return keys.isEmpty() ? QString() : keys.front();
}

} // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent)
{
    m_metric = new QComboBox;
    m_metric->setMinimumContentsLength(24);
    m_differences = new DifferenceTableModel(this);
    m_table = new QTableView;
    m_table->setModel(m_differences);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_plot = new QCustomPlot;
    m_plot->setMinimumHeight(240);
    m_plot->legend->setVisible(false); // until there are runs to name: an empty frame
    m_plot->xAxis->setLabel(tr("step"));
    m_plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    m_winRates = new QLabel;
    m_winRates->setTextFormat(Qt::RichText);
    m_status = new QLabel(tr("Select two or more runs in Runs to compare them"));
    m_status->setWordWrap(true);

    auto* metricRow = new QHBoxLayout;
    metricRow->addWidget(new QLabel(tr("Metric")));
    metricRow->addWidget(m_metric);
    metricRow->addStretch(1);
    auto* lower = new QWidget;
    auto* lowerLayout = new QHBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_plot, 3);
    lowerLayout->addWidget(m_winRates, 1);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_table);
    split->addWidget(lower);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_status);
    layout->addLayout(metricRow);
    layout->addWidget(split, 1);

    connect(m_metric, &QComboBox::activated, this, [this](int) {
        Q_EMIT seriesRequested(QList<qint64>(m_comparison.runIds.begin(),
                                             m_comparison.runIds.end()),
                               m_metric->currentText());
    });
}

void CompareView::setComparison(const RunComparison& comparison)
{
    m_comparison = comparison;
    m_differences->setComparison(comparison);
    m_table->resizeRowsToContents();
    const QString keep = m_metric->currentText();
    m_metric->clear();
    m_metric->addItems(comparison.seriesKeys);
    const QString key = comparison.seriesKeys.contains(keep) ? keep
                                                             : preferredKey(comparison.seriesKeys);
    m_metric->setCurrentText(key);
    m_status->setText(comparison.runIds.size() < 2
                          ? tr("Select two or more runs in Runs to compare them")
                          : tr("%1 runs: %2 experiment fields differ")
                                .arg(comparison.runIds.size())
                                .arg(comparison.differences.size()));
    QString html = tr("<b>Final win rates</b><table cellspacing=3>");
    for (std::size_t r = 0; r < comparison.winRates.size(); ++r) {
        html += QStringLiteral("<tr><td colspan=2><b>%1</b></td></tr>")
                    .arg(comparison.names.value(static_cast<int>(r)));
        if (comparison.winRates[r].empty())
            html += tr("<tr><td></td><td>not evaluated</td></tr>");
        for (const auto& rate : comparison.winRates[r])
            html += QStringLiteral("<tr><td>%1 · %2</td><td>%3 [%4, %5]</td></tr>")
                        .arg(QString::fromStdString(rate.model),
                             QString::fromStdString(rate.judge))
                        .arg(rate.rate, 0, 'f', 3)
                        .arg(rate.ciLow, 0, 'f', 2)
                        .arg(rate.ciHigh, 0, 'f', 2);
    }
    m_winRates->setText(html + QStringLiteral("</table>"));
    if (!key.isEmpty())
        Q_EMIT seriesRequested(QList<qint64>(comparison.runIds.begin(), comparison.runIds.end()),
                               key);
}

void CompareView::setSeries(const ComparedSeries& series)
{
    m_plot->clearGraphs();
    for (std::size_t r = 0; r < series.series.size(); ++r) {
        auto* graph = m_plot->addGraph();
        QVector<double> steps(series.series[r].steps.begin(), series.series[r].steps.end());
        QVector<double> values(series.series[r].values.begin(), series.series[r].values.end());
        graph->setData(steps, values, true);
        graph->setPen(QPen(kRunColours[static_cast<int>(r) % kRunColours.size()], 1.5));
        const auto at = std::find(m_comparison.runIds.begin(), m_comparison.runIds.end(),
                                  series.runIds[r]);
        graph->setName(at == m_comparison.runIds.end()
                           ? QString::number(series.runIds[r])
                           : m_comparison.names.value(
                                 static_cast<int>(at - m_comparison.runIds.begin())));
    }
    m_plot->yAxis->setLabel(series.key);
    m_plot->legend->setVisible(m_plot->graphCount() > 0);
    m_plot->rescaleAxes();
    m_plot->replot();
}

QString CompareView::winRatesText() const { return m_winRates->text(); }

void CompareView::showProblem(const QString& message) { m_status->setText(message); }

} // namespace cpo::ui
