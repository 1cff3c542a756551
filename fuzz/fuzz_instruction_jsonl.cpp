// An instruction dataset, one JSON object per line (data/instruction_jsonl.h).
#include "data/instruction_jsonl.h"
#include "fuzz_input.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto file = cpo::fuzz::scratchFile("data.jsonl", cpo::fuzz::asText(data, size));
    try {
        cpo::data::InstructionJsonlOptions options;
        options.maxBadFraction = 1.0; // every line is parsed, none refuses the file early
        (void)cpo::data::loadInstructionJsonl(file, options);
    } catch (const cpo::Error&) {
    }
    return 0;
}
