#include "engine/run_assignment.h"

#include "util/error.h"

#include <nlohmann/json.hpp>

namespace cpo::engine {
namespace {

nlohmann::json optionalPath(const std::optional<std::filesystem::path>& path)
{
    return path ? nlohmann::json(path->string()) : nlohmann::json();
}

std::optional<std::filesystem::path> pathOrNone(const nlohmann::json& value)
{
    if (value.is_null())
        return std::nullopt;
    return std::filesystem::path(value.get<std::string>());
}

} // namespace

std::string toText(const RunAssignment& assignment)
{
    nlohmann::json json{{"experiment", toJson(assignment.config)},
                        {"run_dir", assignment.runDir.string()}};
    if (const auto& resume = assignment.resumeFrom)
        json["resume"] = {{"phase", resume->phase},
                          {"checkpoint", optionalPath(resume->checkpoint)},
                          {"mle_weights", optionalPath(resume->mleWeights)}};
    return json.dump();
}

RunAssignment parseRunAssignment(const std::string& text)
{
    try {
        const auto json = nlohmann::json::parse(text);
        RunAssignment assignment;
        assignment.config = parseExperiment(json.at("experiment"), "rank 0's experiment");
        assignment.runDir = json.at("run_dir").get<std::string>();
        if (json.contains("resume")) {
            const auto& resume = json.at("resume");
            assignment.resumeFrom = ResumePoint{resume.at("phase").get<std::string>(),
                                                pathOrNone(resume.at("checkpoint")),
                                                pathOrNone(resume.at("mle_weights"))};
        }
        return assignment;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("the run assignment from rank 0 is not readable (are all ranks "
                                "the same cpo version?): ") +
                    e.what());
    }
}

} // namespace cpo::engine
