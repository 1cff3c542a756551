#pragma once

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace cpo {

// Deeper than any file CPO Studio reads (experiments, config.json, tokenizer.json, JSONL,
// queues, judge answers: all under 10) by far, and far below what the stack can take when a
// document is walked, printed or destroyed recursively.
inline constexpr int kMaxJsonDepth = 256;

struct JsonParseOptions {
    bool allowExceptions = true; // false: a bad document comes back discarded, as with
                                 // nlohmann::json::parse(input, nullptr, false)
    bool ignoreComments = false;
};

// nlohmann::json::parse with the nesting depth bounded: every JSON the program reads goes
// through it. A document nested deeper than kMaxJsonDepth, or with a number beyond a
// double's range (1e999: nlohmann's out_of_range, not a parse_error), throws cpo::Error naming
// `source` (or comes back discarded when !allowExceptions); syntax errors are nlohmann's
// parse_error as before.
template <typename Input>
nlohmann::json parseJsonBounded(Input&& input, std::string_view source,
                                JsonParseOptions options = {})
{
    struct TooDeep {};
    const auto limit = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
        if (depth >= kMaxJsonDepth && (event == nlohmann::json::parse_event_t::object_start ||
                                       event == nlohmann::json::parse_event_t::array_start))
            throw TooDeep{}; // stops the parser before it goes any deeper
        return true;
    };
    try {
        return nlohmann::json::parse(std::forward<Input>(input), limit,
                                     options.allowExceptions, options.ignoreComments);
    } catch (const TooDeep&) {
        if (!options.allowExceptions)
            return nlohmann::json(nlohmann::json::value_t::discarded);
        throw Error(std::string(source) + ": JSON nested more than " +
                    std::to_string(kMaxJsonDepth) +
                    " levels deep; no file CPO Studio reads needs that: check it is the "
                    "right file");
    } catch (const nlohmann::json::out_of_range& e) {
        if (!options.allowExceptions)
            return nlohmann::json(nlohmann::json::value_t::discarded);
        std::string what = e.what(); // "[json.exception.out_of_range.406] number overflow ..."
        if (const auto end = what.find("] "); end != std::string::npos)
            what.erase(0, end + 2);
        throw Error(std::string(source) + ": a number beyond the range of a double (" + what +
                    "); check the file");
    }
}

} // namespace cpo
