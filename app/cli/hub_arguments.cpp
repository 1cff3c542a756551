#include "hub_arguments.h"

#include "progress.h"

#include "hub/hub_fetch.h"

#include <cstdio>
#include <memory>

namespace cpo::cli {

hub::ProgressCallback downloadProgressBars()
{
    struct Bars {
        std::string file;
        std::unique_ptr<Progress> bar;
    };
    auto bars = std::make_shared<Bars>();
    return [bars](const hub::DownloadProgress& progress) {
        if (progress.file != bars->file || !bars->bar) {
            bars->file = progress.file;
            bars->bar = std::make_unique<Progress>("download " + progress.file, progress.total);
        }
        const std::string detail = formatBytes(progress.done);
        if (progress.total > 0 && progress.done >= progress.total)
            bars->bar->finish(detail);
        else
            bars->bar->update(progress.done, detail);
    };
}

std::string modelFolder(const std::string& value)
{
    return hub::resolvePath(value, hub::HubContent::Model, downloadProgressBars()).path.string();
}

std::string tokenizerLocation(const std::string& value)
{
    return hub::resolvePath(value, hub::HubContent::Tokenizer, downloadProgressBars())
        .path.string();
}

std::string formatBytes(std::int64_t bytes)
{
    static constexpr const char* kUnits[] = {"B", "kB", "MB", "GB", "TB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1000.0 && unit + 1 < std::size(kUnits)) {
        value /= 1000.0;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

} // namespace cpo::cli
