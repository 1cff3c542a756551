#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

// --device, on every command that runs a model.
namespace cpo::cli {

// Registers --device; `fallback` says what an absent flag means (e.g. "cpu", or "the
// experiment's").
void addDeviceOption(CLI::App& command, std::string& device, std::string_view fallback);

// Checks a device before any work (model::parseDevice): throws cpo::Error naming `source`
// when it cannot be used on this machine. An empty `device` (the flag absent) passes.
void requireDevice(const std::string& device, std::string_view source = "--device");

} // namespace cpo::cli
