#!/usr/bin/env bash
# The README's test command: installs what is missing, builds everything with the `ci`
# preset (Release + tests) and runs the whole CTest suite headless.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so another clone reuses the cache.
export CCACHE_BASEDIR="$PWD"
# Precompiled headers are only cacheable when ccache may ignore their timestamps and defines.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
cmake --preset ci >/dev/null
cmake --build --preset ci -j "${CPO_BUILD_JOBS:-2}"
QT_QPA_PLATFORM=offscreen ctest --preset ci -j "${CPO_TEST_JOBS:-2}" "$@"
