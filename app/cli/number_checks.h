#pragma once

#include <CLI/CLI.hpp>

// Range checks for numeric flags whose messages read well: CLI11's PositiveNumber and
// NonNegativeNumber report their range up to DBL_MAX, a 309-digit number, and call the
// smallest positive double "0.000000".
namespace cpo::cli {

CLI::Validator positiveNumber();    // > 0
CLI::Validator nonNegativeNumber(); // >= 0
CLI::Validator numberBetween(double low, double high); // low <= value <= high

} // namespace cpo::cli
