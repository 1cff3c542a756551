#pragma once

#include <QtCore/QString>

#include <cstdint>
#include <vector>

class QTextStream;

namespace cpo::ui {

// One series to export: which run, which key, its points.
struct CsvSeries {
    std::int64_t runId = 0;
    QString runName;
    QString key;
    const std::vector<std::int64_t>* steps = nullptr;
    const std::vector<double>* values = nullptr;
};

// Long format, one point per row: `run_id,run,key,step,value` (RFC 4180 quoting, values
// with 17 significant digits so they read back exactly; NaN as "nan").
void writeSeriesCsv(QTextStream& out, const std::vector<CsvSeries>& series);

} // namespace cpo::ui
