#pragma once

#include "engine/candidate_marks.h"
#include "inspector/token_colours.h"
#include "store/records.h"

#include <QtCore/QRect>
#include <QtCore/QString>
#include <QtWidgets/QWidget>

#include <optional>
#include <vector>

namespace cpo::ui {

// One candidate's tokens, wrapped like text, each on a background coloured by its value
// (log π_θ, log π_ref or their difference); a tooltip per token gives its text, id and the
// three values. MN's replaced tokens are underlined, TN's cut point is a bar before the EOS
// put there. Painted directly (no text document): a sample set of 8 × 512 tokens lays out
// and paints in a few milliseconds.
class TokenView : public QWidget {
    Q_OBJECT

public:
    explicit TokenView(QWidget* parent = nullptr);

    void setCandidate(const store::CandidateRecord& candidate, std::vector<QString> pieces,
                      engine::CandidateMarks marks);
    void setColouring(TokenColouring colouring);

    int tokenCount() const { return static_cast<int>(m_ids.size()); }
    // The background token i is painted with (none when its values were not computed).
    std::optional<QColor> tokenColour(int token) const;
    QString tokenToolTip(int token) const;
    // The token under `point`, in widget coordinates; -1 when none.
    int tokenAt(const QPoint& point) const;

    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    // Token rectangles for `width`; returns the height they take.
    int layoutTokens(int width, std::vector<QRect>* rects) const;
    std::optional<double> valueOf(int token) const;

    std::vector<std::int32_t> m_ids;
    std::vector<QString> m_pieces; // as shown: spaces and line ends made visible
    std::vector<int> m_widths;     // of each piece's box, measured once per candidate
    std::vector<bool> m_breaks;    // the piece ends a line of the text
    mutable std::pair<int, int> m_heightFor{-1, 0}; // the last heightForWidth (layouts ask often)
    std::vector<float> m_logpTheta;
    std::vector<float> m_logpRef;
    engine::CandidateMarks m_marks;
    std::vector<bool> m_replaced;
    TokenColouring m_colouring = TokenColouring::Difference;
    std::vector<QRect> m_rects;
};

} // namespace cpo::ui
