// HF's tokenizer.json (tokenize/bpe_files.h), then a round trip through what it loaded.
#include "fuzz_input.h"
#include "tokenize/bpe_files.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto file = cpo::fuzz::scratchFile("tokenizer.json", cpo::fuzz::asText(data, size));
    try {
        const auto tokenizer = cpo::tokenize::loadHfTokenizerJson(file);
        const auto ids = tokenizer->encode(cpo::fuzz::kSampleText, true);
        (void)tokenizer->decode(ids);
    } catch (const cpo::Error&) {
    }
    return 0;
}
