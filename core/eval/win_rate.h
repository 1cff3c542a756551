#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

// Win rates and judge agreement: plain statistics, no LibTorch, so the CLI, the GUI and the
// store's readers can compute them from stored verdicts.
namespace cpo::eval {

// A judge's verdict on one comparison, seen from the first text (the model's continuation
// against the ground truth, or model X against model Y head to head).
enum class Verdict { Win, Tie, Loss };

struct Tally {
    std::int64_t wins = 0;
    std::int64_t ties = 0;
    std::int64_t losses = 0;

    void add(Verdict verdict);
    std::int64_t total() const { return wins + ties + losses; }
};

// (wins + ½·ties) / n with its 95 % Wilson score interval, which stays inside [0, 1] and
// keeps a sensible width at 0 or n wins (the normal approximation collapses there).
struct WinRate {
    double rate = 0.0;
    double ciLow = 0.0;
    double ciHigh = 0.0;
    std::int64_t n = 0;
};

// The two-sided 95 % normal quantile.
inline constexpr double kZ95 = 1.959963984540054;

// n = 0 gives rate 0.5 with the interval [0, 1]: nothing is known.
WinRate winRate(const Tally& tally, double z = kZ95);

// One comparison as the length-controlled win rate sees it: the outcome (1 win, ½ tie,
// 0 loss) and how much longer the first text was than the second (tokens or characters).
struct LengthOutcome {
    double outcome = 0.0;
    double lengthDifference = 0.0;
};

double outcomeValue(Verdict verdict);

// The win rate a model would have at no length difference, as AlpacaEval 2 controls for
// length: a logistic regression P(win) = σ(b0 + b1·Δ/sd(Δ)), fitted by Newton's method
// (IRLS) on the fractional outcomes, read at Δ = 0 as σ(b0). A tiny ridge keeps the fit
// finite when a length difference separates wins from losses. With no spread in Δ it is the
// plain mean outcome. Empty input gives 0.5.
double lengthControlledWinRate(std::span<const LengthOutcome> outcomes);

// Win rates of the verdicts per category (Dolly's `category`), by name.
std::map<std::string, WinRate> perCategory(std::span<const std::string> categories,
                                           std::span<const Verdict> verdicts);

// Cohen's κ between two judges' labels of the same items (any small integer labels, e.g.
// A / B / tie as 0 / 1 / 2): (p_o − p_e) / (1 − p_e). 1 when the judges agree on every item
// and chance agreement is 1 (both always say the same one thing). Throws cpo::Error when the
// spans differ in length or are empty.
double cohensKappa(std::span<const int> first, std::span<const int> second);

} // namespace cpo::eval
