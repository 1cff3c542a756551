#include "dashboard/win_rate_series.h"

namespace cpo::ui {

std::vector<SeriesPoint> winRatePoints(const std::string& model, std::int64_t step, double rate,
                                       double low, double high)
{
    if (model != "mle" && model != "cpo")
        return {};
    const QString key = QString::fromStdString(model) + QStringLiteral("/win_rate");
    return {{key, step, rate}, {key + QStringLiteral("_low"), step, low},
            {key + QStringLiteral("_high"), step, high}};
}

} // namespace cpo::ui
