#include "dashboard/metric_families.h"

#include <QtCore/QHash>

namespace cpo::ui {

const QVector<MetricFamily>& metricFamilies()
{
    static const QVector<MetricFamily> families = {
        {QStringLiteral("Loss"), QStringLiteral("nats / token"),
         {{"mle/loss", "MLE"}, {"cpo/loss", "CPO"}, {"cpo/contrastive_loss", "CPO contrastive"}}},
        {QStringLiteral("Validation loss"), QStringLiteral("nats / token"),
         {{"mle/val_loss", "MLE"}, {"cpo/val_loss", "CPO"}}},
        // The experiment's eval block, with each point's 95 % Wilson interval as a band.
        {QStringLiteral("Win rate vs ground truth"), QStringLiteral("(wins + ½ ties) / n"),
         {{"mle/win_rate", "MLE"},
          {"cpo/win_rate", "CPO"},
          {"mle/win_rate_low", "MLE 95 % low", 0},
          {"mle/win_rate_high", "MLE 95 % high", 0, 2},
          {"cpo/win_rate_low", "CPO 95 % low", 1},
          {"cpo/win_rate_high", "CPO 95 % high", 1, 4}},
         false},
        {QStringLiteral("Rewards β·h"), QStringLiteral("reward"),
         {{"cpo/reward_y1", "y1"},
          {"cpo/reward_negatives", "negatives"},
          {"cpo/an/reward", "AN"},
          {"cpo/bn/reward", "BN"},
          {"cpo/mn/reward", "MN"},
          {"cpo/tn/reward", "TN"}}},
        {QStringLiteral("Margin"), QStringLiteral("β·h(y1) − max negative"),
         {{"cpo/margin", "margin"}}},
        {QStringLiteral("Accuracy"), QStringLiteral("share"), {{"cpo/accuracy", "accuracy"}}},
        {QStringLiteral("Ranking correlation"), QStringLiteral("correlation"),
         {{"cpo/kendall_tau", "Kendall τ"}, {"cpo/spearman_rho", "Spearman ρ"}}},
        {QStringLiteral("Log-probs of y1 (Σ over its tokens)"), QStringLiteral("log p"),
         {{"cpo/logp_theta_y1", "policy πθ"}, {"cpo/logp_ref_y1", "reference πref"}}},
        {QStringLiteral("Gradient norm"), QStringLiteral("L2 before clipping"),
         {{"mle/grad_norm", "MLE"}, {"cpo/grad_norm", "CPO"}}},
        {QStringLiteral("Learning rate"), QStringLiteral("lr"),
         {{"mle/lr", "MLE"}, {"cpo/lr", "CPO"}}},
        {QStringLiteral("Throughput"), QStringLiteral("tokens / s"),
         {{"mle/tokens_per_s", "MLE"}, {"cpo/tokens_per_s", "CPO"}}},
    };
    return families;
}

std::optional<CurvePlace> curvePlace(const QString& key)
{
    static const QHash<QString, CurvePlace> places = [] {
        QHash<QString, CurvePlace> out;
        const auto& families = metricFamilies();
        for (int f = 0; f < families.size(); ++f)
            for (int c = 0; c < families[f].curves.size(); ++c)
                out.insert(families[f].curves[c].key, {f, c});
        return out;
    }();
    const auto it = places.constFind(key);
    if (it == places.constEnd())
        return std::nullopt;
    return *it;
}

QString phaseOfKey(const QString& key) { return key.section(QLatin1Char('/'), 0, 0); }

} // namespace cpo::ui
