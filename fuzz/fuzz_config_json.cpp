// A model folder's config.json (model/model_config.h), read from a file as `cpo` does.
#include "fuzz_input.h"
#include "model/model_config.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto file = cpo::fuzz::scratchFile("config.json", cpo::fuzz::asText(data, size));
    try {
        const auto config = cpo::model::readConfigFile(file);
        // What is read must write out and read back as the same model.
        cpo::model::writeConfigFile(config, cpo::fuzz::scratchFolder() / "again.json");
        (void)cpo::model::readConfigFile(cpo::fuzz::scratchFolder() / "again.json");
    } catch (const cpo::Error&) {
    }
    return 0;
}
