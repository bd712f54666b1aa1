#!/usr/bin/env bash
# The GPU device check of issue #16, run unchanged on a machine with a GPU (from the repository root or anywhere):
#   1. driver and Vulkan facts: nvidia-smi, the Vulkan loader and its ICD files, the adapter Dawn reports;
#   2. `dcl-explorer bench --backend webgpu`: resnet18 at 32×32×3 batch 256, the cnn at 28×28×1 batch 1024;
#   3. the same models in PyTorch on CUDA (bench/reference/pytorch_step.py) when torch with CUDA is importable;
#   4. one table of images/s.
# It needs the built trainer (dist/, from `npm run build`) and the packages it loads: a checkout's node_modules,
# or on a machine without registry access the pruned copy scripts/device/stage-carry.sh makes in .device-carry/
# (used through NODE_PATH when node_modules is absent). Each bench has a time limit, so the whole check takes
# a few minutes; GPU_CHECK_STEPS sets the timed steps (default 10).
set -u
cd "$(dirname "$0")/../.."
STEPS=${GPU_CHECK_STEPS:-10}
LIMIT=${GPU_CHECK_TIMEOUT:-240}
if [ ! -d node_modules/@tensorflow/tfjs ] && [ -d .device-carry/node_modules ]; then
  export NODE_PATH="$PWD/.device-carry/node_modules"
fi
[ -f dist/cli.js ] || { echo "dist/cli.js is missing: run npm run build first (or carry dist/)"; exit 2; }
section() { printf '\n== %s\n' "$1"; }

section "GPU driver (nvidia-smi)"
if command -v nvidia-smi >/dev/null; then nvidia-smi; else echo "nvidia-smi: not installed"; fi

section "Vulkan loader and ICD files"
ldconfig -p 2>/dev/null | grep -E 'libvulkan\.so' || echo "libvulkan.so.1: not in the linker cache (Dawn cannot use Vulkan without it)"
for d in /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/share/vulkan/icd.d; do
  if [ -d "$d" ]; then
    for f in "$d"/*.json; do [ -e "$f" ] && { echo "$f:"; sed 's/^/    /' "$f"; }; done
  else
    echo "$d: absent"
  fi
done
command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>&1 | head -40

section "Dawn's adapter (the webgpu package)"
node scripts/device/dawn-adapter.mjs 2>&1

RESULTS=$(mktemp)
trap 'rm -f "$RESULTS"' EXIT
# name, encoder, shape, batch size
CONFIGS=("resnet18 32,32,3 256" "cnn 28,28,1 1024")

run() { # label, command…: keeps the last stdout line (the JSON result) or the error
  local label=$1; shift
  local out
  out=$(timeout "$LIMIT" "$@" 2>&1)
  local rc=$?
  echo "$out" | tail -n 25
  local last
  last=$(echo "$out" | grep -E '^\{' | tail -n 1)
  if [ $rc -eq 0 ] && [ -n "$last" ]; then
    printf '%s\t%s\n' "$label" "$last" >>"$RESULTS"
  else
    local why
    why=$(echo "$out" | grep -vE '^\s*$' | tail -n 1 | cut -c1-400)
    [ $rc -eq 124 ] && why="timed out after ${LIMIT}s"
    printf '%s\t{"error": %s}\n' "$label" "$(node -e 'process.stdout.write(JSON.stringify(process.argv[1]))' "$why")" >>"$RESULTS"
  fi
}

for c in "${CONFIGS[@]}"; do
  set -- $c
  section "bench --backend webgpu: $1 $2 batch $3"
  run "tfjs webgpu|$1|$2|$3" node bin/dcl-explorer.js bench --backend webgpu --encoder "$1" --shape "$2" --batch-size "$3" --steps "$STEPS" --json
done

if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  for c in "${CONFIGS[@]}"; do
    set -- $c
    section "PyTorch CUDA: $1 $2 batch $3"
    run "pytorch cuda|$1|$2|$3" python3 bench/reference/pytorch_step.py --device cuda --encoder "$1" --shape "$2" --batch-size "$3" --steps "$STEPS" --json
  done
else
  section "PyTorch CUDA"
  echo "skipped: torch with CUDA is not importable here"
fi

section "Summary"
node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map((l) => {
  const [label, json] = l.split("\t");
  const [what, encoder, shape, batch] = label.split("|");
  return { what, encoder, shape, batch, r: JSON.parse(json) };
});
const pad = (s, n) => String(s).padEnd(n);
console.log(pad("run", 14) + pad("encoder", 10) + pad("shape", 10) + pad("batch", 7) + pad("images/s", 10) + pad("ms/step", 10) + pad("augment ms", 12) + "notes");
for (const { what, encoder, shape, batch, r } of rows) {
  if (r.error) { console.log(pad(what, 14) + pad(encoder, 10) + pad(shape, 10) + pad(batch, 7) + pad("-", 10) + pad("-", 10) + pad("-", 12) + "failed: " + r.error); continue; }
  const notes = what.startsWith("tfjs") ? `backend ${r.backend}, peak RSS ${Math.round(r.peakRssMiB)} MiB, GPU memory ${r.gpuMiB === undefined ? "-" : Math.round(r.gpuMiB) + " MiB"}, tensors leaked ${r.tensorsLeaked}` : `torch ${r.torch ?? ""}`;
  console.log(pad(what, 14) + pad(encoder, 10) + pad(shape, 10) + pad(batch, 7) + pad(Math.round(r.imagesPerSecond), 10) + pad(r.msPerStep.toFixed(1), 10) + pad(r.augmentMsPerStep === undefined ? "-" : r.augmentMsPerStep.toFixed(1), 12) + notes);
}
' "$RESULTS"
