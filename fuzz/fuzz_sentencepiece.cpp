// A SentencePiece .model loaded through our module (tokenize/spm_module.h, loaded at run time
// with its own symbol scope), then a round trip through it.
#include "fuzz_input.h"
#include "tokenize/tokenizer.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto file = cpo::fuzz::scratchFile("fuzz.model", cpo::fuzz::asText(data, size));
    try {
        const auto tokenizer = cpo::tokenize::loadTokenizer(file);
        const auto ids = tokenizer->encode("Hello, world! 123 \xc3\xa9t\xc3\xa9", true);
        (void)tokenizer->decode(ids);
    } catch (const cpo::Error&) {
    }
    return 0;
}
