#!/usr/bin/env bash
# Fuzzes every reader of outside files (fuzz/): builds the libFuzzer targets with clang, ASan
# and UBSan (the `fuzz` preset, in build/fuzz) and runs each for CPO_FUZZ_SECONDS (default
# 60) from its seed corpus. A crash leaves its input in build/fuzz/fuzz/artifacts/ and fails
# that target's test. Extra arguments go to ctest, e.g. `-R safetensors`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --fuzz
cmake --preset fuzz -DCPO_FUZZ_SECONDS="${CPO_FUZZ_SECONDS:-60}" >/dev/null
cmake --build --preset fuzz -j "${CPO_BUILD_JOBS:-2}"
ctest --preset fuzz "$@"
