// The BPE file pair vocab.json + merges.txt (tokenize/bpe_files.h): the input is the two
// files joined by a line "=====", then a round trip through what they loaded.
#include "fuzz_input.h"
#include "tokenize/bpe_files.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto [vocab, merges] = cpo::fuzz::splitAt(cpo::fuzz::asText(data, size), "\n=====\n");
    const auto vocabFile = cpo::fuzz::scratchFile("vocab.json", vocab);
    const auto mergesFile = cpo::fuzz::scratchFile("merges.txt", merges);
    try {
        const auto tokenizer = cpo::tokenize::loadVocabAndMerges(vocabFile, mergesFile);
        const auto ids = tokenizer->encode(cpo::fuzz::kSampleText, true);
        (void)tokenizer->decode(ids);
    } catch (const cpo::Error&) {
    }
    return 0;
}
