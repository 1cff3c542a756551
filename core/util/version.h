#pragma once

#include <string_view>

// The one version of this build: CMake's project version and the git revision it was built
// from. `cpo --version`, the app's About box and each run row show the same string.
namespace cpo {

std::string_view projectVersion(); // "0.1.0"
std::string_view gitRevision();    // "1a2b3c4"; "" when built outside a git checkout
std::string_view versionString();  // "0.1.0+g1a2b3c4", or "0.1.0" without a revision

} // namespace cpo
