#pragma once

#include <filesystem>

namespace cpo {

// Where CPO Studio keeps its data, following the XDG base directory spec:
// $XDG_DATA_HOME/cpo-studio, else ~/.local/share/cpo-studio.
std::filesystem::path dataDirectory();
// The run store every `cpo` command and the GUI use unless given --db.
std::filesystem::path defaultDatabasePath();
// Where runs write checkpoints and artefacts unless given --out.
std::filesystem::path defaultRunsDirectory();

} // namespace cpo
