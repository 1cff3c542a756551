#pragma once

#include "util/config_reader.h"
#include "engine/experiment.h"
#include "hub/hub_ref.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <string>

// A model, tokenizer or dataset file named by "path" or by a Hugging Face Hub reference:
// {"hub": "ORG/NAME", "revision": "main"}, plus "file" for a dataset. A reference is kept in
// the spec's path string as "hub:ORG/NAME@REV[:FILE]" (the form the CLI takes) and turned into
// local files by hub::resolvePath where they are read.
namespace cpo::engine {

// True when the object gives "path" or "hub".
bool hasPathOrHub(ObjectReader& in);

// The object's "path", or its "hub"/"revision"(/"file" for a dataset) as a reference string;
// problems (both given, a malformed repo id, a missing file) are recorded on `in`.
std::string readPathOrHub(ObjectReader& in, hub::RepoType type);

// {"path": …} for a path; {"hub": …, "revision": …[, "file": …]} for a reference.
nlohmann::json pathOrHubJson(const std::string& pathOrReference);

// Fetches the files of every Hub reference in `config` (model, tokenizer, dataset file) into
// the Hub cache and returns the config with each revision replaced by the commit it resolved
// to, so the run records, and a re-run reads, exactly these files. `status` hears about each
// reference and the progress of downloads.
ExperimentConfig pinHubReferences(ExperimentConfig config,
                                  const std::function<void(const std::string&)>& status);

} // namespace cpo::engine
