#include "judging/judging_view.h"

#include "eval/human_agreement.h"
#include "judging/judge_settings_dialog.h"
#include "judging/judged_filter_model.h"
#include "judging/voting_panel.h"

#include <QtWidgets/QCheckBox>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QHeaderView>
#include <QtWidgets/QLabel>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QSplitter>
#include <QtWidgets/QTableView>
#include <QtWidgets/QTextBrowser>
#include <QtWidgets/QVBoxLayout>

#include <map>
#include <set>
#include <tuple>

namespace cpo::ui {
namespace {

std::optional<eval::Verdict> parseVerdict(const std::string& verdict)
{
    if (verdict == "win")
        return eval::Verdict::Win;
    if (verdict == "tie")
        return eval::Verdict::Tie;
    if (verdict == "loss")
        return eval::Verdict::Loss;
    return std::nullopt;
}

QString rate(const eval::WinRate& r)
{
    return QStringLiteral("%1 [%2, %3]")
        .arg(r.rate, 0, 'f', 3)
        .arg(r.ciLow, 0, 'f', 2)
        .arg(r.ciHigh, 0, 'f', 2);
}

void fillChoices(QComboBox* box, const std::set<QString>& values, const QString& all)
{
    const QString keep = box->currentData().toString();
    box->clear();
    box->addItem(all, QString());
    for (const auto& value : values)
        box->addItem(value, value);
    box->setCurrentIndex(std::max(0, box->findData(keep)));
}

} // namespace

JudgingView::JudgingView(QWidget* parent) : QWidget(parent)
{
    m_runs = new QComboBox;
    m_modelBox = new QComboBox;
    m_categoryBox = new QComboBox;
    m_judgeBox = new QComboBox;
    for (auto* box : {m_runs, m_modelBox, m_categoryBox, m_judgeBox}) {
        box->setMinimumContentsLength(8);
        box->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    }
    m_disagreement = new QCheckBox(tr("Judges disagree"));
    auto* settings = new QPushButton(tr("Judge settings…"));
    // The run, then the filters on a row of their own: on one row they made the view (and
    // so the window, beside the setup form) too wide for a laptop's screen.
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(new QLabel(tr("Run")));
    runRow->addWidget(m_runs, 1);
    runRow->addStretch(1);
    runRow->addWidget(settings);
    auto* filterRow = new QHBoxLayout;
    filterRow->addWidget(new QLabel(tr("Model")));
    filterRow->addWidget(m_modelBox);
    filterRow->addWidget(new QLabel(tr("Category")));
    filterRow->addWidget(m_categoryBox);
    filterRow->addWidget(new QLabel(tr("Judge")));
    filterRow->addWidget(m_judgeBox);
    filterRow->addWidget(m_disagreement);
    filterRow->addStretch(1);

    m_model = new JudgedTableModel(this);
    m_filter = new JudgedFilterModel(this);
    m_filter->setSourceModel(m_model);
    m_table = new QTableView;
    m_table->setModel(m_filter);
    m_table->setSortingEnabled(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->horizontalHeader()->setStretchLastSection(false);
    m_table->verticalHeader()->hide();
    m_detail = new QTextBrowser;

    m_panel = new VotingPanel;
    m_agreement = new QLabel;
    m_agreement->setTextFormat(Qt::RichText);
    m_agreement->setWordWrap(true);
    m_status = new QLabel;
    m_status->setWordWrap(true);

    auto* left = new QSplitter(Qt::Vertical);
    left->addWidget(m_table);
    left->addWidget(m_detail);
    left->setStretchFactor(0, 3);
    left->setStretchFactor(1, 2);
    auto* right = new QWidget;
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(m_panel, 1);
    rightLayout->addWidget(m_agreement);
    auto* split = new QSplitter(Qt::Horizontal);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(runRow);
    layout->addLayout(filterRow);
    layout->addWidget(split, 1);
    layout->addWidget(m_status);

    connect(m_runs, &QComboBox::activated, this, [this](int) {
        if (const auto run = currentRun())
            Q_EMIT runChosen(*run);
    });
    connect(m_modelBox, &QComboBox::activated, this, [this](int) {
        m_filter->setModelFilter(m_modelBox->currentData().toString());
        refreshVoting();
        refreshAgreement();
    });
    connect(m_categoryBox, &QComboBox::activated, this, [this](int) {
        m_filter->setCategoryFilter(m_categoryBox->currentData().toString());
        refreshVoting();
    });
    connect(m_judgeBox, &QComboBox::activated, this, [this](int) {
        m_filter->setJudgeFilter(m_judgeBox->currentData().toString());
        refreshVoting();
    });
    connect(m_disagreement, &QCheckBox::toggled, this, [this](bool on) {
        m_filter->setDisagreementOnly(on);
        refreshVoting();
    });
    connect(settings, &QPushButton::clicked, this, [this] {
        auto* dialog = new JudgeSettingsDialog(this);
        dialog->setAttribute(Qt::WA_DeleteOnClose);
        dialog->show();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) { showRow(current); });
    connect(m_panel, &VotingPanel::voteCast, this, [this](const store::HumanVoteRecord& vote) {
        auto votes = m_model->judged().votes;
        votes.push_back(vote); // id 0 until stored
        m_model->setVotes(std::move(votes));
        refreshAgreement();
        refreshStatus();
        Q_EMIT voteCast(vote);
    });
    connect(m_panel, &VotingPanel::voteUndone, this, [this](qint64 voteId) {
        auto votes = m_model->judged().votes;
        std::erase_if(votes, [voteId](const auto& v) { return v.id == voteId; });
        m_model->setVotes(std::move(votes));
        refreshAgreement();
        refreshStatus();
        Q_EMIT voteUndone(voteId);
    });
}

void JudgingView::setRuns(const QList<QPair<qint64, QString>>& runs)
{
    const auto keep = currentRun();
    m_runs->clear();
    for (const auto& [id, name] : runs)
        m_runs->addItem(QStringLiteral("#%1 %2").arg(id).arg(name), id);
    if (keep)
        m_runs->setCurrentIndex(std::max(0, m_runs->findData(*keep)));
}

void JudgingView::selectRun(qint64 runId)
{
    const int index = m_runs->findData(runId);
    if (index >= 0)
        m_runs->setCurrentIndex(index);
    Q_EMIT runChosen(runId);
}

std::optional<qint64> JudgingView::currentRun() const
{
    if (m_runs->currentIndex() < 0)
        return std::nullopt;
    return m_runs->currentData().toLongLong();
}

void JudgingView::setData(qint64 runId, const engine::JudgedExamples& judged)
{
    m_runId = runId;
    m_model->setData(judged);
    m_table->resizeColumnsToContents();
    m_table->setColumnWidth(JudgedTableModel::Prompt, 320);
    refreshFilters();
    refreshVoting();
    refreshAgreement();
    refreshStatus();
}

void JudgingView::refreshStatus()
{
    const auto& judged = m_model->judged();
    m_status->setText(judged.rows.empty()
                          ? tr("Run %1 has no evaluations yet: `cpo eval` or an experiment's "
                               "eval block makes them")
                                .arg(m_runId)
                          : tr("%1 generations, %2 judges, %3 votes")
                                .arg(judged.rows.size())
                                .arg(judged.judges.size())
                                .arg(judged.votes.size()));
}

QString JudgingView::statusText() const { return m_status->text(); }

void JudgingView::voteStored(qint64 generationId, qint64 voteId)
{
    m_panel->voteStored(generationId, voteId);
    auto votes = m_model->judged().votes;
    for (auto& vote : votes)
        if (vote.generationId == generationId && vote.id == 0)
            vote.id = voteId;
    m_model->setVotes(std::move(votes));
}

void JudgingView::showProblem(const QString& message) { m_status->setText(message); }

void JudgingView::refreshFilters()
{
    std::set<QString> models;
    std::set<QString> categories;
    for (const auto& row : m_model->judged().rows) {
        models.insert(QString::fromStdString(row.model));
        if (!row.category.empty())
            categories.insert(QString::fromStdString(row.category));
    }
    std::set<QString> judges;
    for (const auto& judge : m_model->judged().judges)
        judges.insert(QString::fromStdString(judge));
    fillChoices(m_modelBox, models, tr("all models"));
    fillChoices(m_categoryBox, categories, tr("all categories"));
    fillChoices(m_judgeBox, judges, tr("all judges"));
}

void JudgingView::refreshVoting()
{
    std::vector<engine::JudgedExample> items;
    for (int row = 0; row < m_filter->rowCount(); ++row) {
        const int source =
            m_filter->index(row, 0).data(JudgedTableModel::kRowRole).toInt();
        items.push_back(m_model->judged().rows[static_cast<std::size_t>(source)]);
    }
    m_panel->setItems(std::move(items), m_model->judged().votes);
}

QString JudgingView::agreementText() const { return m_agreement->text(); }

void JudgingView::refreshAgreement()
{
    // Per model and step: the votes on its rows and each judge's verdicts, keyed by example.
    using Group = std::tuple<std::string, std::int64_t>;
    struct GroupVerdicts {
        std::vector<store::HumanVoteRecord> votes;
        std::map<std::int64_t, std::string> pairOf; // generation → example
        std::map<std::string, eval::JudgeVerdicts> judges;
    };
    std::map<Group, GroupVerdicts> groups;
    std::map<std::int64_t, Group> groupOf;
    const auto& judged = m_model->judged();
    const QString onlyModel = m_modelBox->currentData().toString();
    for (const auto& row : judged.rows) {
        if (!onlyModel.isEmpty() && QString::fromStdString(row.model) != onlyModel)
            continue;
        const Group group{row.model, row.step};
        auto& verdicts = groups[group];
        groupOf.emplace(row.generationId, group);
        verdicts.pairOf[row.generationId] = row.exampleHash;
        for (const auto& [judge, verdict] : row.verdicts)
            if (const auto parsed = parseVerdict(verdict)) {
                auto& byJudge = verdicts.judges[judge];
                byJudge.judge = judge;
                byJudge.byPair[row.exampleHash] = *parsed;
            }
    }
    for (const auto& vote : judged.votes)
        if (const auto found = groupOf.find(vote.generationId); found != groupOf.end())
            groups[found->second].votes.push_back(vote);

    QString html = tr("<table cellspacing=4><tr><th align=left>Model</th><th align=left>"
                      "Judge</th><th>Win rate [95 %]</th><th>n</th><th>κ vs human</th></tr>");
    for (const auto& [group, verdicts] : groups) {
        std::vector<eval::JudgeVerdicts> judges;
        for (const auto& [name, byJudge] : verdicts.judges)
            judges.push_back(byJudge);
        const auto human = eval::humanWinRate(verdicts.votes, verdicts.pairOf, judges);
        const QString model = QStringLiteral("%1 @%2")
                                  .arg(QString::fromStdString(std::get<0>(group)))
                                  .arg(std::get<1>(group));
        html += QStringLiteral("<tr><td>%1</td><td><b>human</b></td><td>%2</td><td>%3</td>"
                               "<td></td></tr>")
                    .arg(model, human.winRate.n > 0 ? rate(human.winRate) : tr("no votes"))
                    .arg(human.winRate.n);
        for (std::size_t i = 0; i < judges.size(); ++i) {
            eval::Tally tally;
            for (const auto& [pair, verdict] : judges[i].byPair)
                tally.add(verdict);
            const auto judgeRate = eval::winRate(tally);
            const auto& agreement = human.agreement[i];
            html += QStringLiteral("<tr><td></td><td>%1</td><td>%2</td><td>%3</td><td>%4</td>"
                                   "</tr>")
                        .arg(QString::fromStdString(judges[i].judge), rate(judgeRate))
                        .arg(judgeRate.n)
                        .arg(agreement.kappa ? QStringLiteral("%1 (%2 shared)")
                                                   .arg(*agreement.kappa, 0, 'f', 2)
                                                   .arg(agreement.pairs)
                                             : QStringLiteral("—"));
        }
    }
    m_agreement->setText(html + QStringLiteral("</table>"));
}

void JudgingView::showRow(const QModelIndex& index)
{
    if (!index.isValid()) {
        m_detail->clear();
        return;
    }
    const int source = index.data(JudgedTableModel::kRowRole).toInt();
    const auto& row = m_model->judged().rows[static_cast<std::size_t>(source)];
    const auto escaped = [](const std::string& text) {
        return QString::fromStdString(text).toHtmlEscaped().replace(QLatin1Char('\n'),
                                                                     QStringLiteral("<br>"));
    };
    QString html = tr("<h4>Prompt</h4><p>%1</p><table width=100%><tr><th width=50%>Model "
                      "(%2)</th><th width=50%>Ground truth</th></tr><tr><td valign=top>%3</td>"
                      "<td valign=top>%4</td></tr></table><h4>Judges</h4>")
                       .arg(escaped(row.prompt), QString::fromStdString(row.model),
                            escaped(row.text), escaped(row.reference));
    for (const auto& [judge, verdict] : row.verdicts) {
        const auto detail = row.details.find(judge);
        html += QStringLiteral("<p><b>%1</b>: %2%3</p>")
                    .arg(QString::fromStdString(judge),
                         verdict.empty() ? tr("no verdict") : QString::fromStdString(verdict),
                         detail == row.details.end()
                             ? QString()
                             : QStringLiteral("<br><tt>%1</tt>").arg(escaped(detail->second)));
    }
    m_detail->setHtml(html);
}

} // namespace cpo::ui
