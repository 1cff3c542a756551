// A checkpoint's training_state.bin (train/training_state_file.h) and, inside it, the CPO
// trainer's π_ref cache (train/cpo/reference_cache.h). A random file almost never passes the
// checksum, so inputs starting with 'P' are taken as a payload and given a valid header
// (with its checksum): the fields behind it are fuzzed too.
#include "fuzz_input.h"
#include "train/cpo/reference_cache.h"
#include "train/training_state_file.h"
#include "util/hash.h"

namespace {

std::string withHeader(std::string_view payload)
{
    std::string out = "CPOTRAIN";
    const auto put = [&out](std::uint64_t value, int bytes) {
        for (int i = 0; i < bytes; ++i)
            out.push_back(static_cast<char>((value >> (8 * i)) & 0xffU));
    };
    put(cpo::train::kTrainingStateVersion, 4);
    put(0, 4);
    put(payload.size(), 8);
    put(cpo::fnv1a64(payload), 8);
    out.append(payload);
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const auto input = cpo::fuzz::asText(data, size);
    const std::string file =
        input.starts_with('P') ? withHeader(input.substr(1)) : std::string(input);
    try {
        const auto record = cpo::train::decodeTrainingState(file, "training_state.bin");
        // What is read writes back and reads back the same.
        if (!(cpo::train::decodeTrainingState(cpo::train::encodeTrainingState(record),
                                              "again") == record))
            __builtin_trap();
        cpo::train::ReferenceCache cache;
        cache.restore(record.phaseState, "training_state.bin");
        (void)cache.serialize();
    } catch (const cpo::Error&) {
    }
    return 0;
}
