#pragma once

#include "inspector/token_colours.h"

#include <QtWidgets/QWidget>

namespace cpo::ui {

// The token colouring's scale as a gradient bar with its ends labelled, and the two marks
// (MN's replaced tokens, TN's cut) explained.
class ColourLegend : public QWidget {
    Q_OBJECT

public:
    explicit ColourLegend(QWidget* parent = nullptr);
    void setColouring(TokenColouring colouring);
    QSize sizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    TokenColouring m_colouring = TokenColouring::Difference;
};

} // namespace cpo::ui
