#pragma once

#include "util/error.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cpo {

// One problem in a config, located by its JSON path ("mle.lr"; "" for the whole document).
struct ConfigIssue {
    std::string path;
    std::string message;
};

// Every problem found in one config. A user fixing a file wants the whole list at once, so
// readers record problems here and carry on with a default instead of stopping.
class ConfigIssues {
public:
    void add(std::string path, std::string message);
    std::size_t size() const { return m_issues.size(); }
    bool empty() const { return m_issues.empty(); }
    const std::vector<ConfigIssue>& all() const { return m_issues; }
    // "SOURCE: PATH: MESSAGE", one issue per line.
    std::string format(std::string_view source) const;

private:
    std::vector<ConfigIssue> m_issues;
};

// Thrown when a config has problems: what() lists them all (ConfigIssues::format), issues()
// keeps them apart for a UI that highlights the fields.
class ConfigError : public Error {
public:
    ConfigError(std::string_view source, std::vector<ConfigIssue> issues);
    const std::vector<ConfigIssue>& issues() const { return m_issues; }

private:
    std::vector<ConfigIssue> m_issues;
};

// The allowed interval of a number; each bound may be open or closed, or absent.
struct Range {
    std::optional<double> min;
    std::optional<double> max;
    bool minOpen = false;
    bool maxOpen = false;

    static constexpr Range atLeast(double min) { return {min, std::nullopt, false, false}; }
    static constexpr Range above(double min) { return {min, std::nullopt, true, false}; }
    static constexpr Range closed(double min, double max) { return {min, max, false, false}; }
    static constexpr Range leftOpen(double min, double max) { return {min, max, true, false}; }
    static constexpr Range rightOpen(double min, double max) { return {min, max, false, true}; }

    bool contains(double value) const;
    std::string describe() const; // ">= 1", "> 0", "in (0, 1]"
};

// Sizes beyond these are typos, not experiments; the bounds keep products of them finite.
inline constexpr double kMaxCount = 1e12;
inline constexpr double kMaxDimension = 1 << 20;

// The closest of `candidates` to `key` by edit distance (case-insensitive), when it is close
// enough to be a likely typo; std::nullopt otherwise.
std::optional<std::string> closestKey(std::string_view key,
                                      std::span<const std::string> candidates);

// Reads the fields of one JSON object. Every read names the key it looks for, so once all
// fields are read finish() knows which keys are known and reports the others as unknown, with
// a suggestion. A value of the wrong type or out of range is reported with its path, the value
// given and what is allowed, and the default is returned so reading can go on. A key whose
// value is null counts as absent.
class ObjectReader {
public:
    // `path` is the object's own JSON path ("" for the document). A `json` that is not an
    // object is reported and read as an empty one.
    ObjectReader(const nlohmann::json& json, std::string path, ConfigIssues& issues);

    const std::string& path() const { return m_path; }
    std::string pathOf(std::string_view key) const;
    ConfigIssues& issues() { return m_issues; }

    bool has(std::string_view key);
    // The raw value, marked as read; nullptr when absent.
    const nlohmann::json* take(std::string_view key);

    std::string string(std::string_view key, std::string fallback);
    std::optional<std::string> requiredString(std::string_view key);
    bool boolean(std::string_view key, bool fallback);
    std::int64_t integer(std::string_view key, std::int64_t fallback, const Range& range);
    std::optional<std::int64_t> requiredInteger(std::string_view key, const Range& range);
    std::uint64_t unsignedInteger(std::string_view key, std::uint64_t fallback);
    double number(std::string_view key, double fallback, const Range& range);
    // A string that must be one of `allowed`.
    std::string choice(std::string_view key, std::string fallback,
                       std::span<const std::string_view> allowed);
    std::optional<std::string> requiredChoice(std::string_view key,
                                              std::span<const std::string_view> allowed);
    // A nested object; std::nullopt when absent (or reported when not an object).
    std::optional<ObjectReader> object(std::string_view key);

    void error(std::string_view key, std::string message);
    // Reports every key of the object that no read asked for.
    void finish();

private:
    const nlohmann::json* lookup(std::string_view key);
    std::optional<std::int64_t> readInteger(std::string_view key, const nlohmann::json& value,
                                            const Range& range);
    std::optional<std::string> readChoice(std::string_view key, const nlohmann::json& value,
                                          std::span<const std::string_view> allowed);

    const nlohmann::json* m_json;
    std::string m_path;
    ConfigIssues& m_issues;
    std::vector<std::string> m_known; // in the order asked, for suggestions and listings
};

// A value as the user wrote it (as JSON), shortened for a message: "\"xn\"", "-3".
std::string describeValue(const nlohmann::json& value);

} // namespace cpo
