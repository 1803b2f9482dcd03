#!/usr/bin/env bash
# Builds onnx2mcu, compiles the bundled digits model, runs it on the host and on a Cortex-M4
# in QEMU, and prints each prediction against the true label (and mnist8's against its
# reference when ../shared/models is there).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)" --target onnx2mcu
gen=$build/src/onnx2mcu

"$gen" compile models/digits/model.onnx -o "$build/demo/digits"
echo "generated: $(ls "$build/demo/digits" | tr '\n' ' ')"

# predictions TARGET MODEL_DIR [LABELS]: runs verify and prints predicted vs expected classes.
predictions() {
  local target=$1 dir=$2 labels=${3:-}
  "$gen" verify "$dir/model.onnx" --data "$dir" --target "$target" "${@:4}" > "$build/demo/verify.txt" || {
    cat "$build/demo/verify.txt"; return 1; }
  awk -v labels="$labels" -v target="$target" '
    BEGIN { n = 0; k = 0; ok = 0; if (labels != "") while ((getline l < labels) > 0) truth[n++] = l }
    / output 0 / {
      match($0, /argmax [0-9]+ \(reference [0-9]+\)/); split(substr($0, RSTART, RLENGTH), a, /[ ()]+/)
      want = labels != "" ? truth[k] : a[4]
      printf "  %-10s set %2d: predicted %s, expected %s%s\n", target, k, a[2], want, a[2] == want ? "" : "  <-- wrong"
      ok += a[2] == want; k++
    }
    /PASS|FAIL/ { verdict = $0 }
    END { printf "  %s: %d of %d correct (%.1f%%); %s\n", target, ok, k, 100 * ok / k, verdict }' "$build/demo/verify.txt"
}

echo "== digits (8x8 handwritten digits, labels from models/digits/labels.txt)"
predictions host models/digits models/digits/labels.txt
predictions cortex-m4 models/digits models/digits/labels.txt
if [ -d ../shared/models/mnist8 ]; then
  echo "== mnist8 (expected = the reference output's class)"
  predictions host ../shared/models/mnist8
  predictions cortex-m4 ../shared/models/mnist8
else
  echo "== mnist8 skipped: ../shared/models not found"
fi
