#include "number_checks.h"

#include <fmt/format.h>

#include <functional>
#include <string>

namespace cpo::cli {
namespace {

// A validator accepting the numbers `accepts` holds for, else "expected NUMBER WHAT, got X".
CLI::Validator numberCheck(std::function<bool(double)> accepts, const std::string& what,
                           const std::string& name)
{
    return CLI::Validator(
        [accepts = std::move(accepts), what](std::string& input) -> std::string {
            double value = 0;
            if (CLI::detail::lexical_cast(input, value) && accepts(value))
                return {};
            return fmt::format("expected a number {}, got {}", what, input);
        },
        "NUMBER " + what, name);
}

} // namespace

CLI::Validator positiveNumber()
{
    return numberCheck([](double value) { return value > 0; }, "> 0", "POSITIVE");
}

CLI::Validator nonNegativeNumber()
{
    return numberCheck([](double value) { return value >= 0; }, ">= 0", "NONNEGATIVE");
}

CLI::Validator numberBetween(double low, double high)
{
    return numberCheck([low, high](double value) { return value >= low && value <= high; },
                       fmt::format("from {} to {}", low, high), "RANGE");
}

} // namespace cpo::cli
