// An experiment file and `--set` overrides (engine/experiment.h): the input is the file, then
// a NUL byte, then one "key.path=value" per line. A config that loads must come back equal
// from its canonical form, as runs are stored and re-run from it.
#include "engine/experiment.h"
#include "fuzz_input.h"
#include "util/error.h"

#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto [text, sets] =
        cpo::fuzz::splitAt(cpo::fuzz::asText(data, size), std::string_view("\0", 1));
    const auto file = cpo::fuzz::scratchFile("experiment.json", text);
    std::vector<std::string> overrides;
    for (std::string_view rest = sets; !rest.empty();) {
        const auto [line, next] = cpo::fuzz::splitAt(rest, "\n");
        overrides.emplace_back(line);
        rest = next;
    }
    try {
        const auto config = cpo::engine::loadExperiment(file, overrides);
        const auto canonical = cpo::engine::toJson(config);
        if (!(cpo::engine::parseExperiment(canonical, "canonical") == config))
            __builtin_trap();
        (void)cpo::engine::configHash(config);
    } catch (const cpo::Error&) {
    }
    return 0;
}
