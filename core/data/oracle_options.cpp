#include "data/oracle_options.h"

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

OracleOptions oracleOptionsFromJson(const nlohmann::json& j, std::string_view where)
{
    OracleOptions o;
    try {
        o.seed = j.at("seed").get<std::uint64_t>();
        o.symbols = j.at("symbols").get<std::int64_t>();
        o.prefixTokens = j.at("prefix_tokens").get<std::int64_t>();
        o.continuationTokens = j.at("continuation_tokens").get<std::int64_t>();
        o.teacherLayers = j.at("teacher_layers").get<std::int64_t>();
        o.teacherHidden = j.at("teacher_hidden").get<std::int64_t>();
        o.teacherHeads = j.at("teacher_heads").get<std::int64_t>();
        o.teacherInitStd = j.at("teacher_init_std").get<double>();
        o.temperature = j.at("temperature").get<double>();
        o.trainExamples = j.at("train_examples").get<std::int64_t>();
        o.validationExamples = j.at("validation_examples").get<std::int64_t>();
        o.testExamples = j.at("test_examples").get<std::int64_t>();
    } catch (const nlohmann::json::exception& error) {
        throw Error(std::string(where) + ": " + error.what());
    }
    return o;
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
