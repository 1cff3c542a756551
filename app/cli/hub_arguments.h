#pragma once

#include "hub/repo_fetcher.h"

#include <cstdint>
#include <string>

namespace cpo::cli {

// A progress bar per downloaded file on stderr (nothing for files found in the cache).
hub::ProgressCallback downloadProgressBars();

// A --model value: a folder as given, or hub:ORG/NAME[@REV] fetched into the Hub cache (with
// progress bars) and replaced by its snapshot folder.
std::string modelFolder(const std::string& value);
// A --tokenizer value: a folder or file as given, or hub:ORG/NAME[@REV]'s tokenizer files.
std::string tokenizerLocation(const std::string& value);

// "812 B", "4.2 MB", "6.4 GB" (decimal units, as the Hub shows sizes).
std::string formatBytes(std::int64_t bytes);

} // namespace cpo::cli
