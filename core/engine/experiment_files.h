#pragma once

#include "util/config_reader.h"

#include <nlohmann/json_fwd.hpp>

#include <vector>

namespace cpo::engine {

// The paths an experiment names that are not on this machine. parseExperiment() checks the
// file's shape; this checks what a run will open (model folder, tokenizer, dataset file,
// embedding model, apt lists), so the setup form can flag a wrong path before Start and a run
// does not fail minutes in. It reads the JSON, not a parsed config, so a missing file is
// reported together with the file's other problems. Only paths that are given are checked;
// relative ones are taken from the current directory, as `cpo run` does. Each issue names
// the field's JSON path ("dataset.instruction_jsonl.path").
std::vector<ConfigIssue> missingFiles(const nlohmann::json& experiment);

} // namespace cpo::engine
