#include "engine/experiment.h"

#include "util/bounded_read.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <string>

// JSON with comments: how experiment, queue and judge files are read.
namespace cpo::engine {

using nlohmann::json;

json readJsonWithComments(const std::filesystem::path& file)
{
    return parseJsonWithComments(readBoundedFile(file, kMaxConfigFileBytes, "JSON input file"),
                                 file.string());
}

json parseJsonWithComments(std::string_view text, std::string_view source)
{
    try {
        return parseJsonBounded(text, source, {.allowExceptions = true, .ignoreComments = true});
    } catch (const json::parse_error& e) {
        // what() starts with "[json.exception.parse_error.101] ", noise to a user.
        std::string message = e.what();
        if (const auto end = message.find("] "); end != std::string::npos)
            message.erase(0, end + 2);
        throw Error(std::string(source) + ": not valid JSON: " + message);
    }
}

} // namespace cpo::engine
