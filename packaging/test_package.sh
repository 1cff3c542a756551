#!/bin/sh
# Builds the Debian packages of a build folder, unpacks them into a scratch root (dpkg -x) and
# runs what they installed there: `cpo --version` (the package's version, git revision
# included), a tiny `cpo run` of the shipped demo experiment, and `cpo-studio --version`.
# Usage: packaging/test_package.sh BUILD_DIR   (or `ctest --preset package`)
set -eu

build=$(cd "$1" && pwd)
jobs=${CPO_BUILD_JOBS:-2}
fail() { echo "test_package: $*" >&2; exit 1; }

cmake --build "$build" -j "$jobs" --target cpo cpo-studio cpo_sentencepiece_module
rm -rf "$build/packages"
if ! (cd "$build" && cpack -G DEB) >"$build/cpack.log" 2>&1; then
  cat "$build/cpack.log"
  fail "cpack failed"
fi
cli_deb=$(ls "$build"/packages/cpo_*.deb)
studio_deb=$(ls "$build"/packages/cpo-studio_*.deb)
echo "built $cli_deb and $studio_deb"

version=$(dpkg-deb -f "$cli_deb" Version)
depends=$(dpkg-deb -f "$cli_deb" Depends)
studio_depends=$(dpkg-deb -f "$studio_deb" Depends)
echo "cpo $version depends on: $depends"
echo "cpo-studio depends on: $studio_depends"
for needed in libopenblas0-pthread libtorch libsqlite3; do
  case "$depends" in *"$needed"*) ;; *) fail "cpo does not depend on $needed" ;; esac
done
for needed in "cpo (= $version)" libqt6widgets6; do
  case "$studio_depends" in *"$needed"*) ;; *) fail "cpo-studio does not depend on $needed" ;; esac
done
case "$version" in *+g*) ;; *) fail "version $version carries no git revision" ;; esac

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg -x "$cli_deb" "$root"
dpkg -x "$studio_deb" "$root"
for file in usr/bin/cpo usr/bin/cpo-studio usr/lib/cpo-studio/libcpo-sentencepiece.so \
            usr/share/cpo-studio/experiments/demo-oracle.json \
            usr/share/cpo-studio/resources/judges/pairwise.txt \
            usr/share/applications/io.github.cpostudio.CpoStudio.desktop \
            usr/share/metainfo/io.github.cpostudio.CpoStudio.metainfo.xml \
            usr/share/icons/hicolor/256x256/apps/io.github.cpostudio.CpoStudio.png; do
  [ -e "$root/$file" ] || fail "the packages do not install /$file"
done
if ldd "$root/usr/lib/cpo-studio/libcpo-sentencepiece.so" | grep -q "not found"; then
  fail "the SentencePiece module misses a library"
fi
if command -v appstreamcli >/dev/null; then
  appstreamcli validate --no-net \
    "$root/usr/share/metainfo/io.github.cpostudio.CpoStudio.metainfo.xml"
fi
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$root/usr/share/applications/io.github.cpostudio.CpoStudio.desktop"
fi

# Our libraries are static: the installed binaries run without LD_LIBRARY_PATH, in a home of
# their own so no run store of the user's is touched.
export HOME="$root/home" XDG_DATA_HOME="$root/home/data" QT_QPA_PLATFORM=offscreen
mkdir -p "$HOME"
printed=$("$root/usr/bin/cpo" --version)
echo "installed cpo --version: $printed"
case "$printed" in
  *"$version"*) ;;
  *) fail "cpo --version ($printed) is not the package's $version" ;;
esac
studio=$("$root/usr/bin/cpo-studio" --version)
case "$studio" in *"$version"*) ;; *) fail "cpo-studio --version ($studio) is not $version" ;; esac

summary=$("$root/usr/bin/cpo" run "$root/usr/share/cpo-studio/experiments/demo-oracle.json" \
  --db "$root/runs.db" --out "$root/run" --set device=cpu \
  --set dataset.oracle.train_examples=64 --set dataset.oracle.validation_examples=16 \
  --set mle.steps=4 --set mle.warmup_steps=1 --set mle.eval_every=2 \
  --set mle.checkpoint_every=2 --set cpo.steps=2 --set cpo.checkpoint_every=2 \
  --set cpo.samples_every=2 | tail -n 1)
echo "installed cpo run: $summary"
case "$summary" in *'"status":"finished"'*) ;; *) fail "the tiny run did not finish" ;; esac
"$root/usr/bin/cpo" runs list --db "$root/runs.db"
echo "test_package: OK ($version)"
