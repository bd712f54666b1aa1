#!/usr/bin/env bash
# Copies what gpu-check.sh needs from node_modules into .device-carry/node_modules, pruned for a Linux x64 GPU
# machine without registry access (about 30 MB instead of node_modules' hundreds): the linux-x64 dawn.node of
# the `webgpu` package and, of each TensorFlow.js package the trainer loads, its package.json and the CommonJS
# bundle its "main" names (dist/*.node.js; the wasm backend's .wasm files too, as backend.ts can load it). Carry
# `dist` (npm run build) and `.device-carry`, then run scripts/device/gpu-check.sh there.
set -eu
cd "$(dirname "$0")/../.."
DEST=.device-carry/node_modules
rm -rf .device-carry
mkdir -p "$DEST"
copy() { # files relative to node_modules
  for f in "$@"; do
    mkdir -p "$DEST/$(dirname "$f")"
    cp -R "node_modules/$f" "$DEST/$f"
  done
}
for p in tfjs tfjs-core tfjs-backend-cpu tfjs-backend-webgl tfjs-backend-webgpu tfjs-backend-wasm tfjs-converter tfjs-data tfjs-layers; do
  copy "@tensorflow/$p/package.json"
  (cd node_modules && ls "@tensorflow/$p"/dist/*.node.js) | while read -r f; do copy "$f"; done
done
(cd node_modules && ls @tensorflow/tfjs-backend-wasm/dist/*.wasm) | while read -r f; do copy "$f"; done
copy webgpu/package.json webgpu/index.js webgpu/LICENSE.md webgpu/dist/linux-x64/dawn.node
# Plain-JavaScript dependencies of the tfjs bundles, whole (small).
for p in seedrandom long node-fetch whatwg-url tr46 webidl-conversions; do
  [ -d "node_modules/$p" ] && copy "$p"
done
du -sh .device-carry
