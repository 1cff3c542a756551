#include "oracle/oracle_options.h"

#include "util/error.h"

#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <string>

namespace cpo::data {

nlohmann::json toJson(const OracleOptions& o)
{
    return {{"seed", o.seed},
            {"symbols", o.symbols},
            {"prefix_tokens", o.prefixTokens},
            {"continuation_tokens", o.continuationTokens},
            {"teacher_layers", o.teacherLayers},
            {"teacher_hidden", o.teacherHidden},
            {"teacher_heads", o.teacherHeads},
            {"teacher_init_std", o.teacherInitStd},
            {"temperature", o.temperature},
            {"train_examples", o.trainExamples},
            {"validation_examples", o.validationExamples},
            {"test_examples", o.testExamples}};
}

OracleOptions readOracleOptions(ObjectReader in)
{
    const std::size_t before = in.issues().size();
    const OracleOptions defaults;
    OracleOptions out;
    const auto dimension = Range::closed(1, kMaxDimension);
    out.seed = in.unsignedInteger("seed", defaults.seed);
    out.symbols = in.integer("symbols", defaults.symbols, Range::closed(2, kMaxDimension));
    out.prefixTokens = in.integer("prefix_tokens", defaults.prefixTokens, dimension);
    out.continuationTokens =
        in.integer("continuation_tokens", defaults.continuationTokens, dimension);
    out.teacherLayers = in.integer("teacher_layers", defaults.teacherLayers, Range::closed(1, 64));
    out.teacherHidden = in.integer("teacher_hidden", defaults.teacherHidden, dimension);
    out.teacherHeads = in.integer("teacher_heads", defaults.teacherHeads, Range::closed(1, 4096));
    out.teacherInitStd = in.number("teacher_init_std", defaults.teacherInitStd, Range::above(0));
    out.temperature = in.number("temperature", defaults.temperature, Range::above(0));
    out.trainExamples =
        in.integer("train_examples", defaults.trainExamples, Range::closed(1, kMaxCount));
    out.validationExamples = in.integer("validation_examples", defaults.validationExamples,
                                        Range::closed(1, kMaxCount));
    out.testExamples =
        in.integer("test_examples", defaults.testExamples, Range::closed(0, kMaxCount));
    in.finish();
    if (in.issues().size() == before && out.teacherHidden % out.teacherHeads != 0) {
        in.error("teacher_heads", std::to_string(out.teacherHeads) +
                                      " does not divide teacher_hidden " +
                                      std::to_string(out.teacherHidden) +
                                      "; allowed: a divisor of teacher_hidden");
    }
    return out;
}

OracleOptions oracleOptionsFromJson(const nlohmann::json& json, std::string_view where)
{
    ConfigIssues issues;
    auto options = readOracleOptions(ObjectReader(json, "", issues));
    // A saved file holds every key: one missing means a damaged or foreign file.
    const auto everyKey = toJson(OracleOptions{});
    for (const auto& [key, value] : everyKey.items()) {
        if (json.is_object() && !json.contains(key))
            issues.add(key, "missing; a saved teacher's oracle.json holds every option");
    }
    if (!issues.empty())
        throw ConfigError(where, issues.all());
    return options;
}

void OracleOptions::validate() const
{
    const auto positive = [](std::int64_t value, const char* field) {
        if (value < 1)
            throw Error(fmt::format("oracle.{} is {}; it must be at least 1", field, value));
    };
    positive(symbols, "symbols");
    positive(prefixTokens, "prefix_tokens");
    positive(continuationTokens, "continuation_tokens");
    positive(teacherLayers, "teacher_layers");
    positive(teacherHidden, "teacher_hidden");
    positive(teacherHeads, "teacher_heads");
    if (teacherHidden % teacherHeads != 0)
        throw Error(fmt::format("oracle.teacher_hidden {} is not a multiple of "
                                "oracle.teacher_heads {}", teacherHidden, teacherHeads));
    if (!(teacherInitStd > 0.0) || !std::isfinite(teacherInitStd))
        throw Error(fmt::format("oracle.teacher_init_std is {}; it must be a positive number",
                                teacherInitStd));
    if (!(temperature > 0.0) || !std::isfinite(temperature))
        throw Error(fmt::format("oracle.temperature is {}; it must be a positive number "
                                "(the judge scores the distribution data are sampled from)",
                                temperature));
    if (trainExamples < 0 || validationExamples < 0 || testExamples < 0)
        throw Error("oracle example counts must not be negative");
}

} // namespace cpo::data
