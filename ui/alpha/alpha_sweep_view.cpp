#include "alpha/alpha_sweep_view.h"

#include "alpha/alpha_generations_model.h"
#include "dashboard/qcustomplot_include.h"

#include <QtWidgets/QFileDialog>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSpinBox>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <limits>
#include <utility>

namespace cpo::ui {
namespace {

const QList<QColor> kCurveColours{QColor(31, 119, 180), QColor(255, 127, 14),
                                  QColor(44, 160, 44),  QColor(214, 39, 40),
                                  QColor(148, 103, 189), QColor(140, 86, 75)};

std::optional<std::size_t> bestPoint(const store::AlphaSweepRecord& sweep)
{
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < sweep.points.size(); ++i)
        if (!best || sweep.points[i].winRate > sweep.points[*best].winRate)
            best = i;
    return best;
}

} // namespace

AlphaSweepView::AlphaSweepView(QWidget* parent) : QWidget(parent)
{
    m_plot = new QCustomPlot;
    // A width of its own: its minimum would otherwise be its legend's (three long names a
    // row), wider than a laptop's screen leaves the view beside the setup form.
    m_plot->setMinimumSize(320, 260);
    m_plot->xAxis->setLabel(tr("α (weight of θ_MLE; 0 = θ_CPO)"));
    m_plot->yAxis->setLabel(tr("win rate vs ground truth"));
    // A margin either side, so that the star of a best α at 0 or 1 is not cut off.
    m_plot->xAxis->setRange(-0.06, 1.06);
    m_plot->yAxis->setRange(0, 1);
    m_plot->legend->setVisible(true);
    // Under the plot, a row per run (its win rate, quality, coverage): over the curves it
    // would hide them.
    auto* legendRow = new QCPLayoutGrid;
    // A column is as narrow as the narrowest maximum of its elements, and an empty legend's
    // is its margins: before any sweep the axis rect above would shrink to a sliver.
    constexpr int kAnyWidth = 1 << 20;
    legendRow->setMaximumSize(kAnyWidth, QWIDGETSIZE_MAX);
    m_plot->plotLayout()->addElement(1, 0, legendRow);
    legendRow->addElement(0, 0, m_plot->legend);
    m_plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    m_plot->legend->setWrap(3);
    m_plot->plotLayout()->setRowStretchFactor(1, 0.001);
    m_plot->setInteractions(QCP::iSelectPlottables);
    connect(m_plot, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* plottable, int dataIndex, QMouseEvent*) {
                for (std::size_t c = 0; c < m_graphs.size(); ++c) {
                    if (m_graphs[c][2] == plottable)
                        choosePoint(static_cast<int>(c), dataIndex);
                    for (const auto* graph : m_oracleGraphs[c])
                        if (graph != nullptr && graph == plottable)
                            chooseByKey(static_cast<int>(c), graph, dataIndex);
                }
            });
    m_plot->yAxis2->setLabel(tr("NLL per token (oracle task)"));
    m_plot->yAxis2->setVisible(false); // until a sweep has the values

    m_generations = new AlphaGenerationsModel(this);
    m_table = new QTableView;
    m_table->setModel(m_generations);
    m_table->setWordWrap(true);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    m_alphas = new QLineEdit(QStringLiteral("0, 0.25, 0.5, 0.75, 1"));
    m_alphas->setToolTip(tr("The weights of θ_MLE to evaluate, comma-separated"));
    m_judge = new QLineEdit;
    m_judge->setPlaceholderText(tr("judge config (experiments/judges/oracle.json)"));
    auto* browse = new QPushButton(tr("…"));
    m_examples = new QSpinBox;
    m_examples->setRange(0, 100000);
    m_examples->setValue(100);
    m_examples->setSpecialValueText(tr("all"));
    m_examples->setToolTip(tr("Prompts of the validation split (0: all)"));
    m_start = new QPushButton(tr("Run sweep"));
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setFormat(tr("%v of %m α"));
    m_progress->hide(); // an empty bar until a sweep is run from here
    m_status = new QLabel;
    m_status->setWordWrap(true);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("α")));
    controls->addWidget(m_alphas, 1);
    controls->addWidget(new QLabel(tr("Judge")));
    controls->addWidget(m_judge, 2);
    controls->addWidget(browse);
    controls->addWidget(new QLabel(tr("Prompts")));
    controls->addWidget(m_examples);
    controls->addWidget(m_start);
    controls->addWidget(m_cancel);
    controls->addWidget(m_progress);

    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(m_plot);
    split->addWidget(m_table);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    // The table's rows would otherwise claim most of the height at the start.
    split->setSizes({600, 400});
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(browse, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Judge config"), QString(),
                                                          tr("JSON (*.json)"));
        if (!file.isEmpty())
            m_judge->setText(file);
    });
    connect(m_start, &QPushButton::clicked, this, &AlphaSweepView::launch);
    connect(m_cancel, &QPushButton::clicked, this, [this] {
        m_cancel->setEnabled(false);
        m_status->setText(tr("Cancelling after the α being evaluated…"));
        Q_EMIT cancelRequested();
    });
}

void AlphaSweepView::setCurves(const AlphaCurves& curves)
{
    m_curves = curves;
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_graphs.clear();
    m_oracleGraphs.clear();
    for (std::size_t c = 0; c < m_curves.size(); ++c) {
        const auto& curve = m_curves[c];
        const QColor colour = kCurveColours[static_cast<int>(c) % kCurveColours.size()];
        QVector<double> alphas;
        QVector<double> rates;
        QVector<double> lows;
        QVector<double> highs;
        for (const auto& point : curve.sweep.points) {
            alphas << point.alpha;
            rates << point.winRate;
            lows << point.ciLow;
            highs << point.ciHigh;
        }
        auto* low = m_plot->addGraph();
        auto* high = m_plot->addGraph();
        auto* rate = m_plot->addGraph();
        QColor band = colour;
        band.setAlpha(45);
        low->setPen(Qt::NoPen);
        high->setPen(Qt::NoPen);
        high->setBrush(band);
        high->setChannelFillGraph(low);
        low->setData(alphas, lows, true);
        high->setData(alphas, highs, true);
        rate->setData(alphas, rates, true);
        low->removeFromLegend();
        high->removeFromLegend();
        low->setSelectable(QCP::stNone);
        high->setSelectable(QCP::stNone);
        rate->setPen(QPen(colour, 2));
        rate->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, colour, Qt::white, 8));
        rate->setSelectable(QCP::stSingleData);
        rate->setName(QStringLiteral("%1 · %2").arg(curve.label,
                                                    QString::fromStdString(curve.sweep.judge)));
        if (const auto best = bestPoint(curve.sweep)) {
            auto* star = new QCPItemText(m_plot);
            star->position->setCoords(curve.sweep.points[*best].alpha,
                                      curve.sweep.points[*best].winRate);
            star->setPositionAlignment(Qt::AlignHCenter | Qt::AlignBottom);
            star->setText(tr("★ best α %1").arg(curve.sweep.points[*best].alpha));
            star->setColor(colour);
            star->setPadding(QMargins(0, 0, 0, 8));
        }
        m_graphs.push_back({low, high, rate});
        m_oracleGraphs.push_back(addOracleGraphs(curve, colour));
    }
    fitOracleAxis();
    // The intervals in view, with a margin: short demo runs win rarely, and a 0–1 axis
    // would flatten their curves.
    double low = 1.0;
    double high = 0.0;
    for (const auto& curve : m_curves)
        for (const auto& point : curve.sweep.points) {
            low = std::min(low, point.ciLow);
            high = std::max(high, point.ciHigh);
        }
    if (low <= high)
        m_plot->yAxis->setRange(std::max(0.0, low - 0.05), std::min(1.0, high + 0.08));
    m_status->setText(m_curves.empty()
                          ? tr("No α sweep stored for these runs: run one above (with a "
                               "judge), or `cpo ensemble sweep --judge …`")
                          : tr("Click a point for that α's generations"));
    m_plot->replot();
    // Until a point is clicked, the first curve's best α is shown.
    if (!m_curves.empty() && m_generations->rowCount() == 0)
        if (const auto best = bestPoint(m_curves.front().sweep))
            choosePoint(0, static_cast<int>(*best));
}

std::array<QCPGraph*, 2> AlphaSweepView::addOracleGraphs(const AlphaCurve& curve,
                                                         const QColor& colour)
{
    std::array<QCPGraph*, 2> graphs{nullptr, nullptr};
    const std::array<std::pair<QString, Qt::PenStyle>, 2> kinds{
        std::pair{tr("quality: teacher NLL of samples"), Qt::DashLine},
        std::pair{tr("coverage: NLL of held-out"), Qt::DotLine}};
    const std::array<QCPScatterStyle::ScatterShape, 2> shapes{QCPScatterStyle::ssSquare,
                                                              QCPScatterStyle::ssTriangle};
    for (std::size_t kind = 0; kind < graphs.size(); ++kind) {
        QVector<double> alphas;
        QVector<double> values;
        for (std::size_t i = 0; i < curve.sweep.points.size() && i < curve.oracle.size(); ++i) {
            const auto& value = kind == 0 ? curve.oracle[i].quality : curve.oracle[i].coverage;
            if (!value)
                continue;
            alphas << curve.sweep.points[i].alpha;
            values << *value;
        }
        if (values.isEmpty())
            continue;
        auto* graph = m_plot->addGraph(m_plot->xAxis, m_plot->yAxis2);
        graph->setData(alphas, values, true);
        graph->setPen(QPen(colour, 1.5, kinds[kind].second));
        graph->setScatterStyle(QCPScatterStyle(shapes[kind], colour, colour, 6));
        graph->setSelectable(QCP::stSingleData);
        graph->setName(QStringLiteral("%1 · %2").arg(curve.label, kinds[kind].first));
        graphs[kind] = graph;
    }
    return graphs;
}

void AlphaSweepView::fitOracleAxis()
{
    double low = std::numeric_limits<double>::infinity();
    double high = -low;
    for (const auto& graphs : m_oracleGraphs)
        for (const auto* graph : graphs)
            if (graph != nullptr)
                for (int i = 0; i < graph->dataCount(); ++i) {
                    low = std::min(low, graph->data()->at(i)->value);
                    high = std::max(high, graph->data()->at(i)->value);
                }
    m_plot->yAxis2->setVisible(low <= high);
    if (low > high)
        return;
    // NLLs of the α models differ in the second decimal: a margin of a tenth of the spread.
    const double margin = std::max(0.1 * (high - low), 0.01);
    m_plot->yAxis2->setRange(low - margin, high + margin);
}

void AlphaSweepView::chooseByKey(int curve, const QCPGraph* graph, int dataIndex)
{
    if (dataIndex < 0 || dataIndex >= graph->dataCount())
        return;
    const double alpha = graph->data()->at(dataIndex)->key;
    const auto& points = m_curves[static_cast<std::size_t>(curve)].sweep.points;
    for (std::size_t i = 0; i < points.size(); ++i)
        if (points[i].alpha == alpha) {
            choosePoint(curve, static_cast<int>(i));
            return;
        }
}

QCPGraph* AlphaSweepView::qualityGraph(int curve) const
{
    return m_oracleGraphs.at(static_cast<std::size_t>(curve))[0];
}

QCPGraph* AlphaSweepView::coverageGraph(int curve) const
{
    return m_oracleGraphs.at(static_cast<std::size_t>(curve))[1];
}

QCPGraph* AlphaSweepView::rateGraph(int curve) const
{
    return m_graphs.at(static_cast<std::size_t>(curve))[2];
}

QCPGraph* AlphaSweepView::bandGraph(int curve, bool high) const
{
    return m_graphs.at(static_cast<std::size_t>(curve))[high ? 1 : 0];
}

void AlphaSweepView::choosePoint(int curve, int point)
{
    if (curve < 0 || curve >= static_cast<int>(m_curves.size()))
        return;
    const auto& points = m_curves[static_cast<std::size_t>(curve)].sweep.points;
    if (point < 0 || point >= static_cast<int>(points.size()))
        return;
    const auto& chosen = points[static_cast<std::size_t>(point)];
    // Beside it: the best α, or when it is the best, its neighbour.
    auto other = bestPoint(m_curves[static_cast<std::size_t>(curve)].sweep).value_or(0);
    if (other == static_cast<std::size_t>(point))
        other = point + 1 < static_cast<int>(points.size()) ? point + 1 : std::max(0, point - 1);
    const auto& beside = points[other];
    if (!chosen.evaluationId) {
        m_status->setText(tr("α = %1 has no stored generations").arg(chosen.alpha));
        return;
    }
    m_status->setText(tr("α = %1: loading its generations…").arg(chosen.alpha));
    Q_EMIT generationsRequested(*chosen.evaluationId, chosen.alpha,
                                beside.evaluationId.value_or(0), beside.alpha);
}

void AlphaSweepView::showGenerations(const AlphaGenerations& generations)
{
    m_generations->setGenerations(generations);
    m_status->setText(tr("α = %1 beside α = %2: %3 prompts")
                          .arg(generations.alpha)
                          .arg(generations.otherAlpha)
                          .arg(generations.shown.size()));
}

void AlphaSweepView::launch()
{
    AlphaSweepLaunch request;
    for (const auto& part : m_alphas->text().split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        const double alpha = part.trimmed().toDouble(&ok);
        if (!ok || alpha < 0.0 || alpha > 1.0) {
            m_status->setText(tr("α list: '%1' is not a number in [0, 1]").arg(part.trimmed()));
            return;
        }
        request.alphas << alpha;
    }
    if (request.alphas.isEmpty()) {
        m_status->setText(tr("α list: give at least one α, e.g. 0, 0.5, 1"));
        return;
    }
    request.judgeFile = m_judge->text().trimmed();
    request.examples = m_examples->value();
    m_start->setEnabled(false);
    m_cancel->setEnabled(true);
    m_progress->setRange(0, static_cast<int>(request.alphas.size()));
    m_progress->setValue(0);
    m_progress->show();
    m_status->setText(tr("Sweeping %1 α…").arg(request.alphas.size()));
    Q_EMIT sweepRequested(request);
}

void AlphaSweepView::setSweepProgress(int done, int total)
{
    m_progress->setRange(0, total);
    m_progress->setValue(done);
}

void AlphaSweepView::sweepEnded(const QString& message)
{
    m_start->setEnabled(true);
    m_cancel->setEnabled(false);
    m_status->setText(message);
}

void AlphaSweepView::showProblem(const QString& message) { m_status->setText(message); }

} // namespace cpo::ui
