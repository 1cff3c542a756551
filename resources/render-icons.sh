#!/bin/sh
# Renders the application icon's PNGs from its SVG (needs rsvg-convert: apt-get install
# librsvg2-bin). Run after editing icons/cpo-studio.svg.
set -eu
cd "$(dirname "$0")"
for size in 16 32 48 64 128 256; do
  rsvg-convert -w "$size" -h "$size" icons/cpo-studio.svg -o "icons/cpo-studio-$size.png"
done
