#!/usr/bin/env bash
# Remakes the README's screenshots of the desktop app: starts a virtual X server (Xvfb), opens
# cpo-studio on each view in turn and saves the screen with ImageMagick's `import -window root`
# into docs/ (docs/studio-VIEW.png). The demo experiment trains briefly first, in a throwaway
# store and runs folder, so the dashboard and the run browser have something to show.
#
#   scripts/screenshots.sh [--binary PATH] [--views "dashboard runs setup"] [--out DIR]
#                          [--size 1600x1000] [--train-seconds 40] [--store FILE]
#                          [--demo-dir DIR]
#
# The part-2 views (inspector judging alpha compare) need finished runs: for them the `cpo`
# next to the app first trains two short demo runs (MixN and BN negatives), evaluates them
# with the oracle judge and a likelihood judge, and sweeps α (minutes on 2 cores), in a
# throwaway folder or in --demo-dir DIR, which a later call reuses (DIR/runs.sqlite); --store
# FILE takes a run store already made that way instead. The views get a copy of that store.
#
# Needs xvfb, xdotool and imagemagick (scripts/install-deps.sh --screenshots) and a
# built app (cmake --build --preset release --target cpo-studio).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=build/release/app/cpo-studio
views="dashboard runs setup inspector judging alpha compare"
out=docs
size=1600x1000
train_seconds=40
store=""
demo_dir=""
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --views) views=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --train-seconds) train_seconds=$2; shift 2 ;;
    --store) store=$2; shift 2 ;;
    --demo-dir) demo_dir=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "screenshots.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
for tool in Xvfb xdotool import; do
  if ! command -v "$tool" >/dev/null; then
    echo "screenshots.sh: $tool is missing: scripts/install-deps.sh --screenshots" \
         "(xvfb, xdotool, imagemagick)" >&2
    exit 1
  fi
done
if [ ! -x "$binary" ]; then
  echo "screenshots.sh: no app at $binary; build it with:" \
       "cmake --build --preset release --target cpo-studio" >&2
  exit 1
fi

work=$(mktemp -d)
xvfb_pid=""
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# -displayfd: Xvfb picks a free display and writes its number, so parallel runs do not clash.
Xvfb -displayfd 3 -screen 0 "${size}x24" -nolisten tcp 3>"$work/display" 2>"$work/xvfb.log" &
xvfb_pid=$!
for _ in $(seq 50); do [ -s "$work/display" ] && break; sleep 0.1; done
export DISPLAY=":$(cat "$work/display")"
export XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" # no user settings or runs
mkdir -p "$out"

# Starts the app with the demo experiment (and the given extra arguments), waits for its window
# and makes it fill the screen.
open_app() {
  "$binary" experiments/demo-oracle.json --db "$work/runs.sqlite" \
    --set "output.dir=$work/runs" "$@" >"$work/app.log" 2>&1 &
  app_pid=$!
  local window
  if ! window=$(timeout 30 xdotool search --sync --onlyvisible --pid "$app_pid" | head -1) ||
     [ -z "$window" ]; then
    echo "screenshots.sh: the app showed no window; its log:" >&2
    cat "$work/app.log" >&2
    exit 1
  fi
  xdotool windowmove "$window" 0 0 windowsize "$window" "${size%x*}" "${size#*x}"
}

# Two short demo runs with evaluations and α sweeps in the folder $1 (its runs.sqlite).
make_demo() {
  local dir=$1 cli
  cli="$(dirname "$binary")/cpo"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local short=(--set mle.steps=400 --set mle.eval_every=100 --set mle.checkpoint_every=200
               --set cpo.steps=200 --set cpo.samples_every=20 --set cpo.checkpoint_every=25
               --set cpo.eval_every=50 --set eval.examples=100)
  for sampler in mix bn; do # output.dir is the run's own folder: one per run
    echo "training a short demo run (cpo.sampler=$sampler)"
    "$cli" run experiments/demo-oracle.json --db "$dir/runs.sqlite" \
      --set "output.dir=$dir/demo-$sampler" --set "cpo.sampler=$sampler" "${short[@]}" \
      >>"$dir/demo.log" 2>&1
  done
  # A likelihood judge scored by the first run's MLE model, beside the oracle's verdicts.
  printf '{"kind": "lm", "model": "%s", "name": "lm-mle"}\n' \
    "$(ls -d "$dir"/demo-mix/mle/step-* | tail -1)" >"$dir/lm-judge.json"
  for id in 1 2; do
    "$cli" eval "$id" --db "$dir/runs.sqlite" --judge experiments/judges/oracle.json \
      --models mle,cpo --examples 40 >>"$dir/demo.log" 2>&1
  done
  "$cli" eval 1 --db "$dir/runs.sqlite" --judge "$dir/lm-judge.json" --models mle,cpo \
    --examples 40 >>"$dir/demo.log" 2>&1
  for run in "$dir"/demo-mix "$dir"/demo-bn; do
    "$cli" ensemble sweep --run-dir "$run" --db "$dir/runs.sqlite" \
      --judge experiments/judges/oracle.json --alphas 0,0.25,0.5,0.75,1 --examples 100 \
      >>"$dir/demo.log" 2>&1
  done
}

# The part-2 views' store: a copy of --store, of --demo-dir's (made there first when it has
# none) or of a throwaway one.
demo_ready=""
prepare_demo() {
  [ -n "$demo_ready" ] && return
  if [ -z "$store" ]; then
    local dir=${demo_dir:-$work/demo}
    [ -s "$dir/runs.sqlite" ] || make_demo "$dir"
    store=$dir/runs.sqlite
  fi
  # The earlier views' store goes whole: a write-ahead log left by the killed app would
  # otherwise be replayed into the copy.
  rm -f "$work/runs.sqlite" "$work/runs.sqlite-wal" "$work/runs.sqlite-shm"
  cp "$store" "$work/runs.sqlite"
  [ ! -e "$store-wal" ] || cp "$store-wal" "$work/runs.sqlite-wal"
  demo_ready=1
}

# What a person does in a view before the screenshot, with the keyboard and mouse.
# (Coordinates are for the default 1600x1000 screen. The View menu's docks: alt+1 the setup
# form, alt+5 Runs.)
drive_view() {
  xdotool mousemove 800 990 click 1 key alt+1; sleep 1 # the setup dock hides, Runs shows
  case "$1" in
    inspector) # the MixN demo run (Runs' second row), Runs hidden (alt+5) so that every
      # candidate's column fits, then End: the run's last checkpoint
      xdotool mousemove 46 137 click 1; sleep 3
      xdotool key alt+5; sleep 1
      xdotool mousemove 800 600 click 1 key End; sleep 12 ;;
    judging) # the MixN demo run, eight blind votes by keyboard (one taken back), a row
      # opened; the status line under the table counts the votes. The Log (alt+3) hides so
      # that the table of win rates shows the human row.
      xdotool mousemove 46 137 click 1; sleep 3
      xdotool key alt+3; sleep 1
      xdotool mousemove 1150 330 click 1; sleep 0.5
      for key in 1 2 0 1 1 2 u 1 1; do xdotool key "$key"; sleep 0.7; done
      xdotool mousemove 850 175 click 1; sleep 2 ;;
    *) xdotool key alt+5; sleep 3 ;; # Runs hidden: every run's sweeps overlaid, the two
       # newest runs compared, across the whole width
  esac
}

close_app() {
  kill "$app_pid" 2>/dev/null || true
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

for view in $views; do
  case "$view" in
    dashboard)
      # A short demo run, trained live while the dashboard draws it; its eval block judges
      # 40 prompts every 25 steps, so the win-rate plot fills too.
      open_app --view dashboard --run --steps-scale 0.05 --set eval.examples=40
      sleep "$train_seconds" ;;
    inspector|judging|alpha|compare)
      prepare_demo
      open_app --view "$view"
      sleep 6
      drive_view "$view" ;;
    *)
      open_app --view "$view"
      sleep 4 ;;
  esac
  import -window root "$out/studio-$view.png"
  echo "wrote $out/studio-$view.png"
  close_app
done
