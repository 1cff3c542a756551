// A queue file (engine/run_grid.h). Its "experiment" may name base.json, a small valid
// experiment written next to it once, so grids and runs get as far as their overrides.
#include "engine/run_grid.h"
#include "fuzz_input.h"
#include "util/error.h"

namespace {

constexpr std::string_view kBaseExperiment = R"({
  "name": "base", "seed": 1, "device": "cpu",
  "model": {"init": {"arch": "gpt2", "hidden_size": 16, "num_layers": 1, "num_heads": 2,
                     "max_positions": 64}},
  "dataset": {"kind": "oracle"},
  "mle": {"steps": 10, "batch_size": 4},
  "cpo": {"steps": 5, "batch_size": 4, "k": 4}
})";

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    static const auto base = cpo::fuzz::scratchFile("base.json", kBaseExperiment);
    (void)base;
    const auto file = cpo::fuzz::scratchFile("queue.json", cpo::fuzz::asText(data, size));
    try {
        (void)cpo::engine::loadQueue(file);
    } catch (const cpo::Error&) {
    }
    return 0;
}
