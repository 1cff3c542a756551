#include "inspector/inspector_view.h"

#include "inspector/candidate_table_model.h"
#include "inspector/colour_legend.h"
#include "inspector/token_view.h"

#include <QtGui/QKeyEvent>
#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QFormLayout>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QScrollArea>
#include <QtWidgets/QSlider>
#include <QtWidgets/QTableView>
#include <QtWidgets/QVBoxLayout>

#include <algorithm>
#include <map>

namespace cpo::ui {
namespace {

constexpr int kColumnWidth = 300;
constexpr int kRequestDelayMs = 40; // a slider drag asks once it rests this long
constexpr int kPromptChars = 70;

QString shortPrompt(const QString& prompt)
{
    QString line = prompt.simplified();
    if (line.size() > kPromptChars)
        line = line.left(kPromptChars) + QStringLiteral("…");
    return line;
}

} // namespace

InspectorView::InspectorView(QWidget* parent) : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    m_runs = new QComboBox;
    m_runs->setMinimumContentsLength(12);
    m_runs->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_examples = new QComboBox;
    m_examples->setMinimumContentsLength(24);
    m_examples->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_follow = new QCheckBox(tr("Follow latest"));
    m_follow->setToolTip(tr("Show each new sample set of the run as it is recorded"));
    m_colouringBox = new QComboBox;
    m_colouringBox->addItem(tr("log π_θ − log π_ref"),
                            static_cast<int>(TokenColouring::Difference));
    m_colouringBox->addItem(tr("log π_θ"), static_cast<int>(TokenColouring::PolicyLogProb));
    m_colouringBox->addItem(tr("log π_ref"), static_cast<int>(TokenColouring::ReferenceLogProb));
    m_sortByReward = new QCheckBox(tr("Sort by reward"));

    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Run")));
    top->addWidget(m_runs);
    top->addWidget(new QLabel(tr("Example")));
    top->addWidget(m_examples, 1);
    top->addWidget(m_follow);

    m_prompt = new QLabel;
    m_prompt->setWordWrap(true);
    m_prompt->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_prompt->setFrameShape(QFrame::StyledPanel);
    m_prompt->setMargin(6);

    m_slider = new QSlider(Qt::Horizontal);
    m_slider->setTickPosition(QSlider::TicksBelow);
    m_slider->setPageStep(1);
    m_slider->setToolTip(tr("The example through training (← →): its sample sets and the "
                            "run's checkpoints"));
    m_stepLabel = new QLabel;
    m_stepLabel->setMinimumWidth(200);
    auto* steps = new QHBoxLayout;
    steps->addWidget(new QLabel(tr("Step")));
    steps->addWidget(m_slider, 1);
    steps->addWidget(m_stepLabel);

    m_model = new CandidateTableModel(this);
    m_table = new QTableView;
    m_table->setModel(m_model);
    m_table->horizontalHeader()->setDefaultSectionSize(110);
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_table->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);

    auto* columns = new QWidget;
    m_columnsLayout = new QHBoxLayout(columns);
    m_columnsLayout->setContentsMargins(0, 0, 0, 0);
    m_columnsLayout->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto* scroll = new QScrollArea;
    scroll->setWidget(columns);
    scroll->setWidgetResizable(true);
    // The arrow keys belong to the step slider wherever the user clicked in the view.
    scroll->setFocusPolicy(Qt::NoFocus);
    m_table->setFocusPolicy(Qt::NoFocus);

    m_legend = new ColourLegend;
    m_status = new QLabel;
    m_status->setWordWrap(true);
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(new QLabel(tr("Colour by")));
    bottom->addWidget(m_colouringBox);
    bottom->addWidget(m_legend);
    bottom->addWidget(m_sortByReward);
    bottom->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_prompt);
    layout->addLayout(steps);
    layout->addWidget(m_table);
    layout->addWidget(scroll, 1);
    layout->addLayout(bottom);
    layout->addWidget(m_status);

    m_requestTimer.setSingleShot(true);
    m_requestTimer.setInterval(kRequestDelayMs);
    connect(&m_requestTimer, &QTimer::timeout, this, &InspectorView::requestStop);
    connect(m_runs, &QComboBox::activated, this, [this](int) {
        if (const auto run = currentRun())
            Q_EMIT runChosen(*run);
    });
    connect(m_examples, &QComboBox::activated, this,
            [this](int index) { chooseExample(index, false); });
    connect(m_follow, &QCheckBox::toggled, this, [this](bool on) {
        if (on && !m_examplePrompts.empty())
            chooseExample(static_cast<int>(m_examplePrompts.size()) - 1, true);
    });
    connect(m_colouringBox, &QComboBox::activated, this, [this](int index) {
        setColouring(static_cast<TokenColouring>(m_colouringBox->itemData(index).toInt()));
    });
    connect(m_sortByReward, &QCheckBox::toggled, this, &InspectorView::setSortedByReward);
    connect(m_slider, &QSlider::valueChanged, this, [this] {
        refreshStepLabel();
        m_requestTimer.start();
    });
}

InspectorView::~InspectorView() = default;

void InspectorView::setRuns(const QList<QPair<qint64, QString>>& runs)
{
    const auto keep = currentRun();
    m_runs->clear();
    for (const auto& [id, name] : runs)
        m_runs->addItem(QStringLiteral("#%1 %2").arg(id).arg(name), id);
    if (keep)
        selectRun(*keep);
}

void InspectorView::selectRun(qint64 runId)
{
    const int index = m_runs->findData(runId);
    if (index < 0)
        return;
    const bool changed = currentRun() != runId || m_index.runId != runId;
    m_runs->setCurrentIndex(index);
    if (changed)
        Q_EMIT runChosen(runId);
}

std::optional<qint64> InspectorView::currentRun() const
{
    if (m_runs->currentIndex() < 0)
        return std::nullopt;
    return m_runs->currentData().toLongLong();
}

void InspectorView::setIndex(const InspectorIndex& index)
{
    const bool sameRun = index.runId == m_index.runId;
    const QString chosen = sameRun && m_examples->currentIndex() >= 0
                               ? m_examplePrompts[static_cast<std::size_t>(
                                     m_examples->currentIndex())]
                               : QString();
    m_index = index;
    m_examplePrompts.clear();
    m_examples->clear();
    std::map<QString, qint64> firstStep;
    for (const auto& set : m_index.sampleSets) {
        if (firstStep.contains(set.prompt))
            continue;
        firstStep.emplace(set.prompt, set.step);
        m_examplePrompts.push_back(set.prompt);
        m_examples->addItem(tr("step %1 · %2").arg(set.step).arg(shortPrompt(set.prompt)));
    }
    if (m_examplePrompts.empty()) {
        m_stops.clear();
        m_slider->setRange(0, 0);
        m_model->setSampleSet({});
        refreshColumns();
        m_prompt->setText(tr("This run has no sample sets yet: CPO records one every "
                             "cpo.samples_every steps."));
        refreshStepLabel();
        return;
    }
    if (m_follow->isChecked()) {
        // The newest set's example, at its newest stop.
        const auto& latest = m_index.sampleSets.back().prompt;
        const auto found = std::find(m_examplePrompts.begin(), m_examplePrompts.end(), latest);
        chooseExample(static_cast<int>(found - m_examplePrompts.begin()), true);
        return;
    }
    const auto found = std::find(m_examplePrompts.begin(), m_examplePrompts.end(), chosen);
    if (sameRun && found != m_examplePrompts.end()) {
        m_examples->setCurrentIndex(static_cast<int>(found - m_examplePrompts.begin()));
        const auto at = m_slider->value();
        const auto step = at < static_cast<int>(m_stops.size())
                              ? m_stops[static_cast<std::size_t>(at)].step
                              : 0;
        rebuildStops(false);
        for (std::size_t i = 0; i < m_stops.size(); ++i)
            if (m_stops[i].step == step) {
                const QSignalBlocker quiet(m_slider);
                m_slider->setValue(static_cast<int>(i));
            }
        refreshStepLabel();
        return;
    }
    chooseExample(0, false);
}

void InspectorView::chooseExample(int exampleIndex, bool atLatest)
{
    if (exampleIndex < 0 || exampleIndex >= static_cast<int>(m_examplePrompts.size()))
        return;
    m_examples->setCurrentIndex(exampleIndex);
    m_prompt->setText(m_examplePrompts[static_cast<std::size_t>(exampleIndex)]);
    rebuildStops(atLatest);
    requestStop();
}

void InspectorView::rebuildStops(bool atLatest)
{
    const QString& prompt = m_examplePrompts[static_cast<std::size_t>(m_examples->currentIndex())];
    m_stops.clear();
    std::optional<qint64> firstSet;
    for (const auto& set : m_index.sampleSets) {
        if (set.prompt != prompt)
            continue;
        if (!firstSet)
            firstSet = set.id;
        m_stops.push_back({set.step, set.id, std::nullopt});
    }
    // The example's first set, scored again under each checkpoint at a step without a set
    // of its own: the same candidates, the weights of that step.
    for (const auto& checkpoint : m_index.checkpoints) {
        const bool stored = std::any_of(m_stops.begin(), m_stops.end(), [&](const Stop& s) {
            return !s.checkpoint && s.step == checkpoint.step;
        });
        if (!stored)
            m_stops.push_back({checkpoint.step, *firstSet, checkpoint});
    }
    std::stable_sort(m_stops.begin(), m_stops.end(),
                     [](const Stop& a, const Stop& b) { return a.step < b.step; });
    // Start at the example's first sample set, or its latest when following the run.
    std::size_t start = 0;
    bool found = false;
    for (std::size_t i = 0; i < m_stops.size(); ++i)
        if (!m_stops[i].checkpoint && (!found || atLatest)) {
            start = i;
            found = true;
        }
    const QSignalBlocker quiet(m_slider);
    m_slider->setRange(0, std::max(0, static_cast<int>(m_stops.size()) - 1));
    m_slider->setValue(static_cast<int>(start));
    refreshStepLabel();
}

void InspectorView::requestStop()
{
    const auto run = m_index.runId;
    const int at = m_slider->value();
    if (at < 0 || at >= static_cast<int>(m_stops.size()))
        return;
    const Stop& stop = m_stops[static_cast<std::size_t>(at)];
    if (stop.checkpoint)
        m_status->setText(tr("Scoring the example's candidates under the checkpoint of step "
                             "%1…")
                              .arg(stop.step));
    Q_EMIT sampleSetRequested({run, stop.sampleSetId, stop.checkpoint});
}

void InspectorView::showSampleSet(const InspectedSampleSet& set)
{
    m_model->setSampleSet(set);
    m_prompt->setText(QString::fromStdString(set.set.prompt));
    m_status->setText(set.scoredAt
                          ? tr("Candidates drawn at step %1, scored under the checkpoint of "
                               "step %2")
                                .arg(set.set.step)
                                .arg(set.scoredAt->step)
                          : tr("Sample set of step %1, as the trainer drew and scored it%2")
                                .arg(set.set.step)
                                .arg(set.tokensAsIds ? tr("; oracle symbols shown as ids")
                                                     : QString()));
    m_shownSet = set.set.id;
    refreshColumns();
    m_table->resizeColumnsToContents();
    Q_EMIT sampleSetShown(set.set.id);
}

void InspectorView::showProblem(const QString& message) { m_status->setText(message); }

void InspectorView::refreshColumns()
{
    const auto& set = m_model->sampleSet();
    const int count = m_model->columnCount();
    while (static_cast<int>(m_columns.size()) > count) {
        delete m_columns.back();
        m_columns.pop_back();
    }
    while (static_cast<int>(m_columns.size()) < count) {
        auto* column = new QWidget;
        column->setFixedWidth(kColumnWidth);
        auto* layout = new QVBoxLayout(column);
        layout->setContentsMargins(2, 0, 2, 0);
        auto* header = new QLabel;
        header->setObjectName(QStringLiteral("header"));
        layout->addWidget(header);
        layout->addWidget(new TokenView);
        layout->addStretch(1);
        m_columnsLayout->addWidget(column);
        m_columns.push_back(column);
    }
    const store::CandidateRecord* y1 = nullptr;
    for (const auto& candidate : set.set.candidates)
        if (candidate.role == store::CandidateRole::GroundTruth)
            y1 = &candidate;
    for (int column = 0; column < count; ++column) {
        const auto idx = static_cast<std::size_t>(m_model->candidateAt(column));
        const auto& candidate = set.set.candidates[idx];
        auto* header = m_columns[static_cast<std::size_t>(column)]->findChild<QLabel*>(
            QStringLiteral("header"));
        const QVariant reward = m_model->data(
            m_model->index(CandidateTableModel::Reward, column), Qt::DisplayRole);
        header->setText(QStringLiteral("<b>%1</b> · reward %2")
                            .arg(CandidateTableModel::candidateLabel(candidate),
                                 reward.toString()));
        auto* tokens = tokenColumn(column);
        const auto marks = y1 ? engine::candidateMarks(candidate.strategy, y1->tokenIds,
                                                       candidate.tokenIds)
                              : engine::CandidateMarks{};
        tokens->setColouring(m_colouring);
        tokens->setCandidate(candidate, idx < set.pieces.size() ? set.pieces[idx]
                                                                : std::vector<QString>{},
                             marks);
    }
}

TokenView* InspectorView::tokenColumn(int column) const
{
    if (column < 0 || column >= static_cast<int>(m_columns.size()))
        return nullptr;
    return m_columns[static_cast<std::size_t>(column)]->findChild<TokenView*>();
}

void InspectorView::refreshStepLabel()
{
    const int at = m_slider->value();
    if (at < 0 || at >= static_cast<int>(m_stops.size())) {
        m_stepLabel->clear();
        return;
    }
    const Stop& stop = m_stops[static_cast<std::size_t>(at)];
    m_stepLabel->setText(stop.checkpoint
                             ? tr("step %1 · checkpoint (%2 of %3)")
                                   .arg(stop.step)
                                   .arg(at + 1)
                                   .arg(m_stops.size())
                             : tr("step %1 · sample set (%2 of %3)")
                                   .arg(stop.step)
                                   .arg(at + 1)
                                   .arg(m_stops.size()));
}

void InspectorView::setFollowLatest(bool follow) { m_follow->setChecked(follow); }

void InspectorView::setColouring(TokenColouring colouring)
{
    m_colouring = colouring;
    m_colouringBox->setCurrentIndex(m_colouringBox->findData(static_cast<int>(colouring)));
    m_legend->setColouring(colouring);
    for (int column = 0; column < tokenColumnCount(); ++column)
        tokenColumn(column)->setColouring(colouring);
}

void InspectorView::setSortedByReward(bool sorted)
{
    m_sortByReward->setChecked(sorted);
    m_model->setSortedByReward(sorted);
    refreshColumns();
}

void InspectorView::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_Right:
    case Qt::Key_Left:
        m_slider->setValue(m_slider->value() + (event->key() == Qt::Key_Right ? 1 : -1));
        return;
    case Qt::Key_Home:
        m_slider->setValue(m_slider->minimum());
        return;
    case Qt::Key_End:
        m_slider->setValue(m_slider->maximum());
        return;
    default:
        break;
    }
    QWidget::keyPressEvent(event);
}

} // namespace cpo::ui
