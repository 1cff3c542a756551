#include "util/config_reader.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>

namespace cpo {
namespace {

using nlohmann::json;

// Long values (a pasted template, a whole object) would drown the message they belong to.
constexpr std::size_t kMaxValueChars = 60;

std::string lowered(std::string_view text)
{
    std::string out(text);
    std::ranges::transform(out, out.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, the typo a
// hand most often makes ("bacth_size").
std::size_t editDistance(std::string_view a, std::string_view b)
{
    const std::size_t n = a.size();
    const std::size_t m = b.size();
    std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
    for (std::size_t i = 0; i <= n; ++i)
        d[i][0] = i;
    std::iota(d[0].begin(), d[0].end(), std::size_t{0});
    for (std::size_t i = 1; i <= n; ++i) {
        for (std::size_t j = 1; j <= m; ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[n][m];
}

// Bounds are doubles, but "in [2, 1024]" reads better than "in [2.0, 1024.0]".
std::string formatNumber(double value)
{
    if (std::trunc(value) == value && std::abs(value) < 1e15)
        return std::to_string(static_cast<long long>(value));
    return json(value).dump();
}

std::string joinQuoted(std::span<const std::string_view> values)
{
    std::string out;
    for (const auto value : values)
        out += (out.empty() ? "" : ", ") + json(value).dump();
    return out;
}

std::string joinKeys(std::span<const std::string> keys)
{
    std::string out;
    for (const auto& key : keys)
        out += (out.empty() ? "" : ", ") + key;
    return out;
}

} // namespace

void ConfigIssues::add(std::string path, std::string message)
{
    m_issues.push_back({std::move(path), std::move(message)});
}

std::string ConfigIssues::format(std::string_view source) const
{
    std::string out;
    for (const auto& issue : m_issues) {
        if (!out.empty())
            out += '\n';
        out += std::string(source) + ": ";
        if (!issue.path.empty())
            out += issue.path + ": ";
        out += issue.message;
    }
    return out;
}

ConfigError::ConfigError(std::string_view source, std::vector<ConfigIssue> issues)
    : Error([&] {
          ConfigIssues all;
          for (const auto& issue : issues)
              all.add(issue.path, issue.message);
          return all.format(source);
      }())
    , m_issues(std::move(issues))
{
}

bool Range::contains(double value) const
{
    if (!std::isfinite(value))
        return false;
    if (min && (minOpen ? value <= *min : value < *min))
        return false;
    return !(max && (maxOpen ? value >= *max : value > *max));
}

std::string Range::describe() const
{
    if (min && max) {
        return std::string("in ") + (minOpen ? "(" : "[") + formatNumber(*min) + ", " +
               formatNumber(*max) + (maxOpen ? ")" : "]");
    }
    if (min)
        return (minOpen ? "> " : ">= ") + formatNumber(*min);
    if (max)
        return (maxOpen ? "< " : "<= ") + formatNumber(*max);
    return "any finite number";
}

std::optional<std::string> closestKey(std::string_view key,
                                      std::span<const std::string> candidates)
{
    // Short keys tolerate one slip, longer ones a few; beyond that a "suggestion" is noise.
    const std::size_t tolerance = key.size() <= 3 ? 1 : key.size() <= 7 ? 2 : 3;
    const std::string wanted = lowered(key);
    std::optional<std::string> best;
    std::size_t bestDistance = tolerance + 1;
    for (const auto& candidate : candidates) {
        const std::size_t distance = editDistance(wanted, lowered(candidate));
        if (distance < bestDistance) {
            bestDistance = distance;
            best = candidate;
        }
    }
    return best;
}

std::string describeValue(const json& value)
{
    std::string text = value.dump();
    if (text.size() > kMaxValueChars)
        text = text.substr(0, kMaxValueChars - 3) + "...";
    return text;
}

ObjectReader::ObjectReader(const json& value, std::string path, ConfigIssues& issues)
    : m_json(&value)
    , m_path(std::move(path))
    , m_issues(issues)
{
    if (!value.is_object()) {
        m_issues.add(m_path, "expected an object, got " + describeValue(value));
        m_json = nullptr;
    }
}

std::string ObjectReader::pathOf(std::string_view key) const
{
    return m_path.empty() ? std::string(key) : m_path + "." + std::string(key);
}

const json* ObjectReader::lookup(std::string_view key)
{
    if (std::ranges::find(m_known, key) == m_known.end())
        m_known.emplace_back(key);
    if (m_json == nullptr)
        return nullptr;
    // null reads as absent, so `--set cpo=null` can drop an optional section.
    const auto it = m_json->find(key);
    return it == m_json->end() || it->is_null() ? nullptr : &*it;
}

bool ObjectReader::has(std::string_view key)
{
    return lookup(key) != nullptr;
}

const json* ObjectReader::take(std::string_view key)
{
    return lookup(key);
}

void ObjectReader::error(std::string_view key, std::string message)
{
    m_issues.add(pathOf(key), std::move(message));
}

std::string ObjectReader::string(std::string_view key, std::string fallback)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    if (!value->is_string()) {
        error(key, "expected a string, got " + describeValue(*value));
        return fallback;
    }
    return value->get<std::string>();
}

std::optional<std::string> ObjectReader::requiredString(std::string_view key)
{
    if (!has(key)) {
        error(key, "missing; a string is required");
        return std::nullopt;
    }
    const json& value = *lookup(key);
    if (!value.is_string()) {
        error(key, "expected a string, got " + describeValue(value));
        return std::nullopt;
    }
    if (value.get_ref<const std::string&>().empty()) {
        error(key, "must not be empty");
        return std::nullopt;
    }
    return value.get<std::string>();
}

bool ObjectReader::boolean(std::string_view key, bool fallback)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    if (!value->is_boolean()) {
        error(key, "expected true or false, got " + describeValue(*value));
        return fallback;
    }
    return value->get<bool>();
}

std::optional<std::int64_t> ObjectReader::readInteger(std::string_view key, const json& value,
                                                      const Range& range)
{
    // 2e3 is an integer to whoever wrote it; 2.5 is not.
    const bool integral =
        value.is_number_integer() ||
        (value.is_number_float() && std::isfinite(value.get<double>()) &&
         std::trunc(value.get<double>()) == value.get<double>() &&
         std::abs(value.get<double>()) < 9.0e15);
    if (!integral || (value.is_number_unsigned() &&
                      value.get<std::uint64_t>() >
                          std::uint64_t(std::numeric_limits<std::int64_t>::max()))) {
        error(key, "expected an integer " + range.describe() + ", got " + describeValue(value));
        return std::nullopt;
    }
    const auto number = value.is_number_float()
                            ? static_cast<std::int64_t>(value.get<double>())
                            : value.get<std::int64_t>();
    if (!range.contains(static_cast<double>(number))) {
        error(key, describeValue(value) + " is out of range; allowed: " + range.describe());
        return std::nullopt;
    }
    return number;
}

std::int64_t ObjectReader::integer(std::string_view key, std::int64_t fallback,
                                   const Range& range)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    return readInteger(key, *value, range).value_or(fallback);
}

std::optional<std::int64_t> ObjectReader::requiredInteger(std::string_view key,
                                                          const Range& range)
{
    const json* value = lookup(key);
    if (value == nullptr) {
        error(key, "missing; an integer " + range.describe() + " is required");
        return std::nullopt;
    }
    return readInteger(key, *value, range);
}

std::uint64_t ObjectReader::unsignedInteger(std::string_view key, std::uint64_t fallback)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    if (value->is_number_unsigned())
        return value->get<std::uint64_t>();
    error(key, "expected an integer >= 0, got " + describeValue(*value));
    return fallback;
}

double ObjectReader::number(std::string_view key, double fallback, const Range& range)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    if (!value->is_number()) {
        error(key, "expected a number " + range.describe() + ", got " + describeValue(*value));
        return fallback;
    }
    const double number = value->get<double>();
    if (!range.contains(number)) {
        error(key, describeValue(*value) + " is out of range; allowed: " + range.describe());
        return fallback;
    }
    return number;
}

std::optional<std::string> ObjectReader::readChoice(std::string_view key, const json& value,
                                                    std::span<const std::string_view> allowed)
{
    if (value.is_string() &&
        std::ranges::find(allowed, value.get_ref<const std::string&>()) != allowed.end())
        return value.get<std::string>();
    error(key, describeValue(value) + " is not allowed; allowed: " + joinQuoted(allowed));
    return std::nullopt;
}

std::string ObjectReader::choice(std::string_view key, std::string fallback,
                                 std::span<const std::string_view> allowed)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return fallback;
    return readChoice(key, *value, allowed).value_or(std::move(fallback));
}

std::optional<std::string> ObjectReader::requiredChoice(std::string_view key,
                                                        std::span<const std::string_view> allowed)
{
    const json* value = lookup(key);
    if (value == nullptr) {
        error(key, "missing; one of " + joinQuoted(allowed) + " is required");
        return std::nullopt;
    }
    return readChoice(key, *value, allowed);
}

std::optional<ObjectReader> ObjectReader::object(std::string_view key)
{
    const json* value = lookup(key);
    if (value == nullptr)
        return std::nullopt;
    if (!value->is_object()) {
        error(key, "expected an object, got " + describeValue(*value));
        return std::nullopt;
    }
    return ObjectReader(*value, pathOf(key), m_issues);
}

void ObjectReader::finish()
{
    if (m_json == nullptr)
        return;
    for (const auto& [key, value] : m_json->items()) {
        if (std::ranges::find(m_known, key) != m_known.end())
            continue;
        if (const auto suggestion = closestKey(key, m_known))
            error(key, "unknown key; did you mean '" + *suggestion + "'?");
        else
            error(key, "unknown key; allowed here: " + joinKeys(m_known));
    }
}

} // namespace cpo
