#include "device_option.h"

#include "model/device.h"

namespace cpo::cli {

void addDeviceOption(CLI::App& command, std::string& device, std::string_view fallback)
{
    command.add_option("--device", device,
                       "cpu, cuda, cuda:N or auto (CUDA when available); default: " +
                           std::string(fallback));
}

void requireDevice(const std::string& device, std::string_view source)
{
    if (!device.empty())
        model::parseDevice(device, source);
}

} // namespace cpo::cli
