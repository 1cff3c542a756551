#include "dashboard/csv_export.h"

#include <QtCore/QTextStream>

#include <cmath>

namespace cpo::ui {
namespace {

QString quoted(const QString& field)
{
    if (!field.contains(QLatin1Char(',')) && !field.contains(QLatin1Char('"')) &&
        !field.contains(QLatin1Char('\n')))
        return field;
    QString escaped = field;
    escaped.replace(QLatin1String("\""), QLatin1String("\"\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString number(double value)
{
    if (std::isnan(value))
        return QStringLiteral("nan");
    return QString::number(value, 'g', 17);
}

} // namespace

void writeSeriesCsv(QTextStream& out, const std::vector<CsvSeries>& series)
{
    out << "run_id,run,key,step,value\n";
    for (const auto& s : series) {
        const QString prefix = QString::number(s.runId) + QLatin1Char(',') + quoted(s.runName) +
                               QLatin1Char(',') + quoted(s.key) + QLatin1Char(',');
        for (std::size_t i = 0; i < s.steps->size(); ++i)
            out << prefix << (*s.steps)[i] << ',' << number((*s.values)[i]) << '\n';
    }
}

} // namespace cpo::ui
