#include "judging/voting_panel.h"

#include "eval/human_judge.h"

#include <QtGui/QKeyEvent>
#include <QtWidgets/QGridLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QProgressBar>
#include <QtWidgets/QTextBrowser>
#include <QtWidgets/QVBoxLayout>

#include <set>

namespace cpo::ui {

VotingPanel::VotingPanel(QWidget* parent) : QWidget(parent)
{
    setFocusPolicy(Qt::StrongFocus);
    m_voter = new QLineEdit;
    m_voter->setPlaceholderText(tr("your name"));
    m_voter->setToolTip(tr("Votes are stored per voter"));
    m_progress = new QProgressBar;
    m_progress->setFormat(tr("%v of %m voted"));
    m_prompt = new QTextBrowser;
    m_prompt->setMaximumHeight(90);
    m_a = new QTextBrowser;
    m_b = new QTextBrowser;
    for (auto* text : {m_prompt, m_a, m_b})
        text->setFocusPolicy(Qt::NoFocus);
    m_reveal = new QLabel;
    m_reveal->setWordWrap(true);
    auto* hints = new QLabel(tr("<b>1</b> A is better · <b>2</b> B is better · <b>0</b> tie · "
                                "<b>← →</b> move · <b>U</b> undo"));

    auto* top = new QGridLayout;
    top->addWidget(new QLabel(tr("Voter")), 0, 0);
    top->addWidget(m_voter, 0, 1);
    top->addWidget(m_progress, 0, 2);
    auto* texts = new QGridLayout;
    texts->addWidget(new QLabel(tr("<b>A</b>")), 0, 0);
    texts->addWidget(new QLabel(tr("<b>B</b>")), 0, 1);
    texts->addWidget(m_a, 1, 0);
    texts->addWidget(m_b, 1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(new QLabel(tr("Prompt")));
    layout->addWidget(m_prompt);
    layout->addLayout(texts, 1);
    layout->addWidget(hints);
    layout->addWidget(m_reveal);
    connect(m_voter, &QLineEdit::editingFinished, this, [this] { showItem(m_current); });
}

void VotingPanel::setVoter(const QString& voter)
{
    m_voter->setText(voter);
    showItem(m_current);
}

QString VotingPanel::voter() const
{
    const QString name = m_voter->text().trimmed();
    return name.isEmpty() ? qEnvironmentVariable("USER", QStringLiteral("anonymous")) : name;
}

void VotingPanel::setItems(std::vector<engine::JudgedExample> items,
                           const std::vector<store::HumanVoteRecord>& votes)
{
    m_items = std::move(items);
    std::set<qint64> mine;
    const std::string name = voter().toStdString();
    for (const auto& vote : votes)
        if (vote.voter == name)
            mine.insert(vote.generationId);
    m_voted.assign(m_items.size(), false);
    int firstOpen = -1;
    for (std::size_t i = 0; i < m_items.size(); ++i) {
        m_voted[i] = mine.contains(m_items[i].generationId);
        if (!m_voted[i] && firstOpen < 0)
            firstOpen = static_cast<int>(i);
    }
    m_history.clear();
    showItem(m_items.empty() ? -1 : std::max(firstOpen, 0));
}

int VotingPanel::votedCount() const
{
    return static_cast<int>(std::count(m_voted.begin(), m_voted.end(), true));
}

void VotingPanel::showItem(int item)
{
    m_current = item;
    refreshProgress();
    if (item < 0 || item >= static_cast<int>(m_items.size())) {
        m_prompt->clear();
        m_a->clear();
        m_b->clear();
        return;
    }
    const auto& shown = m_items[static_cast<std::size_t>(item)];
    const bool modelAsA = eval::blindOrder(shown.generationId, voter().toStdString());
    const auto model = QString::fromStdString(shown.text);
    const auto truth = QString::fromStdString(shown.reference);
    m_prompt->setPlainText(QString::fromStdString(shown.prompt));
    m_a->setPlainText(modelAsA ? model : truth);
    m_b->setPlainText(modelAsA ? truth : model);
}

void VotingPanel::refreshProgress()
{
    m_progress->setRange(0, std::max(1, static_cast<int>(m_items.size())));
    m_progress->setValue(votedCount());
}

bool VotingPanel::vote(const QString& key)
{
    if (m_current < 0 || m_current >= static_cast<int>(m_items.size()))
        return false;
    const auto choice = key == QLatin1String("1")   ? std::string("a")
                        : key == QLatin1String("2") ? std::string("b")
                                                    : std::string("tie");
    const auto& item = m_items[static_cast<std::size_t>(m_current)];
    const auto record = eval::makeVote(item.generationId, voter().toStdString(), choice);
    m_history.push_back({m_current, item.generationId, std::nullopt});
    m_voted[static_cast<std::size_t>(m_current)] = true;
    // Now the names may show: which text was which.
    const auto model = QString::fromStdString(item.model);
    m_reveal->setText(tr("Voted %1 on #%2: A was %3, B was %4")
                          .arg(choice == "tie" ? tr("a tie") : QString::fromStdString(choice)
                                                                   .toUpper())
                          .arg(m_current + 1)
                          .arg(record.orderAb ? model : tr("the ground truth"),
                               record.orderAb ? tr("the ground truth") : model));
    Q_EMIT voteCast(record);
    // On to the next item not voted yet (or the end).
    int next = m_current + 1;
    while (next < static_cast<int>(m_items.size()) && m_voted[static_cast<std::size_t>(next)])
        ++next;
    showItem(std::min(next, static_cast<int>(m_items.size()) - 1));
    return true;
}

void VotingPanel::voteStored(qint64 generationId, qint64 voteId)
{
    for (auto it = m_history.rbegin(); it != m_history.rend(); ++it)
        if (it->generationId == generationId && !it->voteId) {
            it->voteId = voteId;
            return;
        }
}

bool VotingPanel::undo()
{
    if (m_history.empty() || !m_history.back().voteId)
        return false;
    const Cast last = m_history.back();
    m_history.pop_back();
    m_voted[static_cast<std::size_t>(last.item)] = false;
    m_reveal->setText(tr("Took back the vote on #%1").arg(last.item + 1));
    Q_EMIT voteUndone(*last.voteId);
    showItem(last.item);
    return true;
}

void VotingPanel::keyPressEvent(QKeyEvent* event)
{
    switch (event->key()) {
    case Qt::Key_1:
        vote(QStringLiteral("1"));
        return;
    case Qt::Key_2:
        vote(QStringLiteral("2"));
        return;
    case Qt::Key_0:
        vote(QStringLiteral("0"));
        return;
    case Qt::Key_U:
        undo();
        return;
    case Qt::Key_Left:
        if (m_current > 0)
            showItem(m_current - 1);
        return;
    case Qt::Key_Right:
        if (m_current + 1 < static_cast<int>(m_items.size()))
            showItem(m_current + 1);
        return;
    default:
        QWidget::keyPressEvent(event);
    }
}

} // namespace cpo::ui
