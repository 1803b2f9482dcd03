#!/usr/bin/env bash
# light.sh ONNX2MCU LIGHT_DIR
# ONNX 1.22's light/ models: zoo architectures (AlexNet ... ZFNet-512) whose float weights are
# ConstantOfShape nodes, with no stored input, so nothing to compare. Each must compile and plan
# (`onnx2mcu inspect`: the whole pipeline and the memory plan, no C++ build) or fail with exactly
# one error line that names the file; never a crash, a hang or an "internal error". Prints one
# line per model with the plan's arena and weight bytes, or the error.
set -uo pipefail
gen=$1 dir=$2
[ -d "$dir" ] || { echo "SKIPPED: $dir not found (the ONNX 1.22 data lies in ../shared/onnx-1.22)"; exit 77; }
err=$(mktemp)
trap 'rm -f "$err"' EXIT
failed=0 planned=0 refused=0
for model in "$dir"/*.onnx; do
  name=$(basename "$model" .onnx)
  start=$(date +%s)
  out=$(timeout 900 "$gen" inspect --json "$model" 2>"$err")
  rc=$?
  took="$(($(date +%s) - start)) s"
  if [ "$rc" -eq 0 ]; then
    planned=$((planned + 1))
    arena=$(printf '%s' "$out" | grep -o '"arena_bytes": *[0-9]*' | head -1 | grep -o '[0-9]*$')
    weights=$(printf '%s' "$out" | grep -o '"weight_bytes": *[0-9]*' | head -1 | grep -o '[0-9]*$')
    echo "planned  $name: arena ${arena:-?} bytes, weights ${weights:-?} bytes ($took)"
  elif [ "$rc" -eq 1 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q "^onnx2mcu: error: $model: " "$err" &&
       ! grep -qi "internal error" "$err"; then
    refused=$((refused + 1))
    echo "refused  $name: $(sed "s|^onnx2mcu: error: $model: ||" "$err") ($took)"
  else
    failed=$((failed + 1))
    echo "FAIL     $name: exit code $rc ($took)"
    head -5 "$err" | sed 's/^/         /'
  fi
done
echo "$planned planned, $refused refused with a one-line error, $failed failed"
[ "$failed" -eq 0 ]
