// A .safetensors file: the header and the layout of its data (model/safetensors_layout.h),
// which model/safetensors.h trusts to copy the tensors out.
#include "fuzz_input.h"
#include "model/safetensors_layout.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::byte> file(reinterpret_cast<const std::byte*>(data), size);
    try {
        const auto layout = cpo::model::parseSafetensorsLayout(
            file, cpo::model::SafetensorsProblems("fuzz.safetensors"));
        // What the copy relies on: every tensor lies inside the file.
        for (const auto& entry : layout.entries)
            if (entry.begin > entry.end || layout.dataStart + entry.end > size)
                __builtin_trap();
    } catch (const cpo::Error&) {
    }
    return 0;
}
