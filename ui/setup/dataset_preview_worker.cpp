#include "setup/dataset_preview_worker.h"

#include "data/dataset_preview.h"
#include "util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace cpo::ui {
namespace {

constexpr int kBins = 20;

data::FieldMapping fieldMapping(const QString& fieldsJson)
{
    const auto fields = nlohmann::json::parse(fieldsJson.toStdString(), nullptr, false);
    if (fields.is_string())
        return data::FieldMapping::preset(fields.get<std::string>());
    data::FieldMapping mapping;
    if (fields.is_object()) {
        mapping.instruction = fields.value("instruction", mapping.instruction);
        mapping.context = fields.value("context", mapping.context);
        mapping.response = fields.value("response", mapping.response);
        mapping.category = fields.value("category", mapping.category);
    }
    return mapping;
}

void fillHistogram(const std::vector<std::int64_t>& lengths, DatasetPreviewResult& out)
{
    if (lengths.empty())
        return;
    const auto [low, high] = std::minmax_element(lengths.begin(), lengths.end());
    const double start = static_cast<double>(*low);
    const double width = std::max(1.0, std::ceil(static_cast<double>(*high - *low + 1) / kBins));
    const int bins = static_cast<int>(std::ceil((static_cast<double>(*high) - start + 1) / width));
    for (int i = 0; i < bins; ++i) {
        out.binStarts.append(start + i * width);
        out.binCounts.append(0);
    }
    out.binEnd = start + bins * width;
    for (const auto length : lengths) {
        const auto bin = static_cast<qsizetype>((static_cast<double>(length) - start) / width);
        out.binCounts[std::min(bin, out.binCounts.size() - 1)] += 1;
    }
    out.measured = static_cast<qint64>(lengths.size());
}

} // namespace

void DatasetPreviewWorker::preview(const DatasetPreviewRequest& request)
{
    DatasetPreviewResult out;
    out.generation = request.generation;
    try {
        std::unique_ptr<tokenize::Tokenizer> tokenizer;
        if (!request.tokenizerPath.isEmpty()) {
            try {
                tokenizer = tokenize::loadTokenizer(request.tokenizerPath.toStdString());
            } catch (const Error& e) {
                out.tokenizerNote = QString::fromUtf8(e.what());
            }
        }
        const std::filesystem::path path = request.path.toStdString();
        data::DatasetPreview preview;
        if (request.kind == QLatin1String("instruction_jsonl")) {
            data::InstructionJsonlOptions options;
            options.fields = fieldMapping(request.fieldsJson);
            preview = data::previewInstructionJsonl(path, options, tokenizer.get());
        } else {
            preview = data::previewTextCorpus(path, tokenizer.get());
        }
        for (const auto& record : preview.firstRecords) {
            out.records.append({QString::fromStdString(record.prompt),
                                QString::fromStdString(record.continuation)});
        }
        out.lengthUnit = QString::fromStdString(preview.lengthUnit);
        out.recordsRead = static_cast<qint64>(preview.recordsRead);
        out.recordsSkipped = static_cast<qint64>(preview.recordsSkipped);
        fillHistogram(preview.lengths, out);
    } catch (const std::exception& e) {
        out.error = QString::fromUtf8(e.what());
    }
    Q_EMIT ready(out);
}

} // namespace cpo::ui
