#include "engine/experiment.h"

#include "data/utf8.h"
#include "util/error.h"
#include "util/json_parse.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

// `--set key.path=value`: edits an experiment's JSON before it is validated.
namespace cpo::engine {

using nlohmann::json;

void applyOverride(json& document, std::string_view assignment)
{
    const auto fail = [&](std::string_view problem) {
        std::string message = "--set ";
        message.append(assignment).append(": ").append(problem);
        return Error(message);
    };
    // The key and a text value become JSON strings, which must be UTF-8; the shell passes any
    // bytes through.
    if (const auto bad = data::firstInvalidUtf8(assignment))
        throw fail("not valid UTF-8 (byte " + std::to_string(*bad + 1) + ")");
    const auto equals = assignment.find('=');
    if (equals == std::string_view::npos || equals == 0)
        throw fail("expected key.path=value, e.g. mle.lr=3e-4");
    const auto keyPath = assignment.substr(0, equals);
    const auto valueText = assignment.substr(equals + 1);
    json value;
    try {
        value = parseJsonBounded(valueText, "--set " + std::string(keyPath));
    } catch (const json::parse_error&) {
        value = std::string(valueText); // not JSON: the text itself, as in sampler=bn
    }

    // Split first, so a malformed path leaves the document untouched.
    std::vector<std::string> keys;
    for (std::size_t start = 0;;) {
        const auto dot = keyPath.find('.', start);
        const auto end = dot == std::string_view::npos ? keyPath.size() : dot;
        keys.emplace_back(keyPath.substr(start, end - start));
        if (keys.back().empty())
            throw fail("empty key in the path");
        if (dot == std::string_view::npos)
            break;
        start = dot + 1;
    }
    json* node = &document;
    std::string walked = "the document";
    for (const auto& key : keys) {
        if (node->is_null())
            *node = json::object(); // a missing section on the way
        if (!node->is_object())
            throw fail(walked + " is not an object, so it has no key '" + key + "'");
        walked = walked == "the document" ? key : walked + "." + key;
        node = &(*node)[key];
    }
    *node = std::move(value);
}

} // namespace cpo::engine
