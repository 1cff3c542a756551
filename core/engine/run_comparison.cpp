#include "engine/run_comparison.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <map>
#include <set>

namespace cpo::engine {
namespace {

void flatten(const nlohmann::json& value, const std::string& path,
             std::map<std::string, std::string>& out)
{
    if (value.is_object() && !value.empty()) {
        for (const auto& [key, member] : value.items())
            flatten(member, path.empty() ? key : path + "." + key, out);
        return;
    }
    out[path] = value.dump();
}

} // namespace

std::vector<ExperimentDifference> experimentDifferences(std::span<const std::string> jsons)
{
    std::vector<std::map<std::string, std::string>> fields(jsons.size());
    std::set<std::string> paths;
    for (std::size_t i = 0; i < jsons.size(); ++i) {
        const auto json = nlohmann::json::parse(jsons[i], nullptr, false, true);
        if (json.is_discarded())
            throw Error("experiment " + std::to_string(i + 1) + " of the comparison is not "
                        "JSON");
        flatten(json, "", fields[i]);
        for (const auto& [path, value] : fields[i])
            paths.insert(path);
    }
    std::vector<ExperimentDifference> out;
    for (const auto& path : paths) {
        ExperimentDifference difference{path, {}};
        for (const auto& run : fields) {
            const auto found = run.find(path);
            difference.values.push_back(found == run.end() ? "" : found->second);
        }
        const auto& first = difference.values.front();
        for (const auto& value : difference.values)
            if (value != first) {
                out.push_back(std::move(difference));
                break;
            }
    }
    return out;
}

std::vector<FinalWinRate> finalWinRates(RunCatalog& catalog, std::int64_t runId)
{
    std::map<std::pair<std::string, std::string>, FinalWinRate> latest;
    for (const auto& evaluation : catalog.evaluations(runId)) { // by step: later ones win
        const auto summary = nlohmann::json::parse(evaluation.summaryJson, nullptr, false);
        if (!summary.is_object() || !summary.contains("win_rate"))
            continue; // not judged yet
        FinalWinRate rate;
        rate.model = evaluation.modelLabel;
        rate.judge = evaluation.judge;
        rate.step = evaluation.step;
        rate.rate = summary.value("win_rate", 0.0);
        rate.ciLow = summary.value("ci_low", 0.0);
        rate.ciHigh = summary.value("ci_high", 0.0);
        rate.n = summary.value("n", std::int64_t{0});
        latest[{rate.model, rate.judge}] = rate;
    }
    std::vector<FinalWinRate> out;
    for (auto& [key, rate] : latest)
        out.push_back(std::move(rate));
    return out;
}

} // namespace cpo::engine
