#!/usr/bin/env bash
# Checks CPO Studio on a CUDA machine in under 10 minutes, build included:
#   1. configures the `server` preset (no GUI: -DCPO_BUILD_UI=OFF) against the LibTorch of a
#      Python that holds PyTorch >= 2 (torch.utils.cmake_prefix_path), with ccache;
#   2. builds `cpo` and the core test suites only;
#   3. runs those suites in the CUDA build (they take no device: their models run on the
#      CPU; the GPU paths are what the next steps check);
#   4. compares `cpo logits --device cuda` with `--device cpu` on a random GPT-2 (tolerance
#      below) and trains the demo briefly on cuda: fp32, with activation checkpointing, and
#      with bf16 autocast and activation checkpointing together;
#   5. prints `cpo bench --device cuda --shape gpu --precision bf16 --json`: GPT-2 medium
#      (d1024 x 24 layers, 355 M parameters) on 8 x 1024 tokens, the forwards under bf16
#      autocast, MFU against an 8192^3 bf16 matmul measured in the same process, and the CPO
#      step against the naive one (sampling without the KV cache is left out: minutes at this
#      size).
# Every step runs under what is left of the 10-minute budget (CPO_GPU_CHECK_BUDGET_S).
#
# Usage: scripts/gpu-check.sh [--dry-run] [--python PY] [--jobs N]
#   --dry-run  print the steps and their commands without running them (works anywhere)
#   --python   the Python holding PyTorch (default: python3)
#   --jobs     build parallelism (default: every core)
# Environment: CPO_TORCH_PREFIX  a LibTorch folder to use instead of the Python's
#              CPO_GPU_CHECK_BUDGET_S  the time budget in seconds (default 600)
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0
python=python3
jobs=$(nproc 2>/dev/null || echo 4)
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --python) python="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
  shift
done

budget=${CPO_GPU_CHECK_BUDGET_S:-600}
build=build/server
cpo=$build/app/cpo
work=$(mktemp -d "${TMPDIR:-/tmp}/cpo-gpu-check.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The largest logit difference allowed between cuda and cpu, fp32 both: cuBLAS sums in
# another order than OpenBLAS (and may use TF32 where allowed), logits are O(1-10).
tolerance=1e-3

step() { echo; echo "== $* ($(( budget - SECONDS )) s left)"; }
# Runs a command under the time left, or only prints it in a dry run.
run() {
  echo "+ $*" >&2
  [ "$dry_run" = 1 ] && return 0
  local left=$(( budget - SECONDS ))
  if [ "$left" -le 0 ]; then
    echo "gpu-check: out of time ($budget s) before: $*" >&2
    exit 124
  fi
  timeout "$left" "$@"
}

step "PyTorch and CUDA"
if [ -n "${CPO_TORCH_PREFIX:-}" ]; then
  prefix=$CPO_TORCH_PREFIX
elif [ "$dry_run" = 1 ] && ! "$python" -c 'import torch' 2>/dev/null; then
  prefix='$(python3 -c "import torch;print(torch.utils.cmake_prefix_path)")'
  echo "(dry run: $python has no torch here; the real run asks it)"
else
  "$python" - <<'PY'
import sys
import torch
major = int(torch.__version__.split(".")[0])
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
      f"C++11 ABI {torch._C._GLIBCXX_USE_CXX11_ABI}")
if major < 2:
    sys.exit("gpu-check: PyTorch >= 2 is needed (found " + torch.__version__ + ")")
if not torch.cuda.is_available():
    sys.exit("gpu-check: this PyTorch sees no CUDA device")
if not torch._C._GLIBCXX_USE_CXX11_ABI:
    sys.exit("gpu-check: this PyTorch's LibTorch uses the pre-C++11 ABI, which Debian's "
             "libraries (spdlog, sentencepiece, ...) cannot link with; unpack the cxx11-ABI "
             "LibTorch zip from pytorch.org and set CPO_TORCH_PREFIX to it")
for i in range(torch.cuda.device_count()):
    p = torch.cuda.get_device_properties(i)
    print(f"cuda:{i} {p.name}, {p.total_memory / 2**30:.0f} GiB")
PY
  prefix=$("$python" -c 'import torch;print(torch.utils.cmake_prefix_path)')
  # A CUDA LibTorch's CMake files look for the CUDA toolkit (nvcc); a pip wheel has none.
  command -v nvcc >/dev/null ||
    echo "gpu-check: warning: no nvcc on PATH; configuring against a CUDA LibTorch needs the" \
         "CUDA toolkit (e.g. PATH=/usr/local/cuda/bin:\$PATH)" >&2
fi
echo "LibTorch: $prefix"

step "configure (server preset, no GUI)"
export CCACHE_BASEDIR="$PWD"
export CCACHE_SLOPPINESS="${CCACHE_SLOPPINESS:-pch_defines,time_macros,include_file_mtime,include_file_ctime}"
run cmake --preset server -DCMAKE_PREFIX_PATH="$prefix" -DCPO_BUILD_TESTS=ON \
  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache

step "build cpo and the core suites"
suites=(model safetensors train cpo engine cli)
targets=(cpo)
for suite in "${suites[@]}"; do targets+=("tst_$suite"); done
run cmake --build "$build" -j "$jobs" --target "${targets[@]}"

step "core suites"
run ctest --test-dir "$build" --output-on-failure -j 2 \
  -R "^($(IFS='|'; echo "${suites[*]}"))\$"

step "logits: cuda against cpu (max |difference| <= $tolerance)"
cat > "$work/gpt2.json" <<'JSON'
{"vocab_size": 50257, "n_embd": 768, "n_layer": 6, "n_head": 12, "n_positions": 256}
JSON
run "$cpo" init-model --arch gpt2 --config "$work/gpt2.json" --seed 7 --out "$work/model"
tokens=$(seq -s, 1 9 570) # 64 positions: two 64 x 50257 JSON tables stay small
run "$cpo" logits --model "$work/model" --tokens "$tokens" --device cpu --json \
  --log-level warn > "$work/cpu.json"
run "$cpo" logits --model "$work/model" --tokens "$tokens" --device cuda --json \
  --log-level warn > "$work/cuda.json"
if [ "$dry_run" = 0 ]; then
  "$python" - "$work/cpu.json" "$work/cuda.json" "$tolerance" <<'PY'
import json, sys
cpu = json.load(open(sys.argv[1]))["logits"]
cuda = json.load(open(sys.argv[2]))["logits"]
assert len(cpu) == len(cuda) and len(cpu[0]) == len(cuda[0]), "shapes differ"
worst = max(abs(a - b) for rc, rg in zip(cpu, cuda) for a, b in zip(rc, rg))
scale = max(abs(a) for row in cpu for a in row)
print(f"{len(cpu)} positions x {len(cpu[0])} logits: max |cuda - cpu| = {worst:.2e} "
      f"(largest |logit| {scale:.2f}, tolerance {sys.argv[3]})")
sys.exit(0 if worst <= float(sys.argv[3]) else "gpu-check: cuda and cpu logits differ")
PY
fi

step "train the demo briefly on cuda: fp32, activation checkpointing, bf16 with checkpointing"
for variant in fp32:false fp32:true bf16:true; do
  precision=${variant%:*} checkpointing=${variant#*:}
  run "$cpo" run experiments/demo-oracle.json --device cuda --steps-scale 0.04 \
    --set eval=null --set model.activation_checkpointing=$checkpointing \
    --set precision=$precision \
    --db "$work/runs.sqlite" --out "$work/run-$precision-$checkpointing" --log-level warn
done

step "bench on cuda in bf16, sized for a large GPU"
run "$cpo" bench --device cuda --shape gpu --precision bf16 --steps 4 \
  --only matmul,mle,cpo,cpo-naive,an --json --log-level warn

echo
if [ "$dry_run" = 1 ]; then
  echo "gpu-check: dry run, nothing was run"
else
  echo "gpu-check: all steps passed in $SECONDS s"
fi
