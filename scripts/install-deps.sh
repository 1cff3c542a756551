#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages CPO Studio builds and runs with, skipping those already
# installed (so it is quick the second time). Runs apt-get as root, or through sudo.
# --fuzz adds clang and libFuzzer for the `fuzz` preset (README "Fuzzing"); --screenshots adds
# the virtual X server, input tool and ImageMagick scripts/screenshots.sh drives the app with.
# The default build needs neither.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libtorch-dev libopenblas0-pthread        # LibTorch (CPU) and the BLAS it should run on
  libgloo-dev                              # c10d's Gloo headers: data-parallel training
  qt6-base-dev libqcustomplot-dev libqcustomplot2.1-qt6
  libspdlog-dev libsqlite3-dev nlohmann-json3-dev libsentencepiece-dev libpcre2-dev
  libcli11-dev zlib1g-dev liblz4-dev
  libcurl4-openssl-dev libssl-dev          # Hub downloads and judge endpoints; sha256 checks
  libcpp-httplib-dev                       # local HTTP servers in the hub and judge tests
  python3                                  # scripts/results.py (experiments/RESULTS.md)
)
for argument in "$@"; do
  case "$argument" in
    --fuzz) packages+=(clang-14 libclang-rt-14-dev) ;; # clang++-14, libFuzzer, ASan, UBSan
    --screenshots) packages+=(xvfb xdotool imagemagick) ;; # Xvfb, xdotool, import
    *) echo "usage: $0 [--fuzz] [--screenshots]" >&2; exit 2 ;;
  esac
done

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "error: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q "${missing[@]}"
