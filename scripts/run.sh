#!/usr/bin/env bash
# The README's run command: installs what is missing, builds Release, and runs the built-in
# demo experiment (experiments/demo-oracle.json). On a desktop (DISPLAY or WAYLAND_DISPLAY
# set) it opens the app with the demo loaded and training; otherwise, or with CPO_HEADLESS=1,
# it trains headless through the `cpo` CLI.
# Extra arguments go to `cpo run` (or to the app, which takes the same --set and
# --steps-scale), e.g. scripts/run.sh --steps-scale 0.2
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so another clone reuses the cache.
export CCACHE_BASEDIR="$PWD"
# Precompiled headers are only cacheable when ccache may ignore their timestamps and defines.
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"

blas=$(readlink -f "/usr/lib/$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)/libblas.so.3" 2>/dev/null || true)
if [ -n "$blas" ] && [[ "$blas" != *openblas* && "$blas" != *blis* && "$blas" != *mkl* ]]; then
  cat >&2 <<MSG
**********************************************************************************
* WARNING: libblas.so.3 is the reference BLAS ($blas).
* LibTorch will run about 30x slower. Fix: sudo apt-get install libopenblas0-pthread
**********************************************************************************
MSG
fi

cmake --preset release >/dev/null
if [ -z "${CPO_HEADLESS:-}" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  cmake --build --preset release -j "${CPO_BUILD_JOBS:-2}" --target cpo-studio
  exec build/release/app/cpo-studio experiments/demo-oracle.json --run "$@"
fi
cmake --build --preset release -j "${CPO_BUILD_JOBS:-2}" --target cpo
exec build/release/app/cpo run experiments/demo-oracle.json "$@"
