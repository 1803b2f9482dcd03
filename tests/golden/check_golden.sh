#!/usr/bin/env bash
# check_golden.sh ONNX2MCU MODEL.onnx GOLDEN_DIR TEMPLATES_DIR
# "Process replay": generates MODEL and compares the model's own files (<name>.h, <name>.cpp,
# onnx2mcu.manifest) byte for byte with GOLDEN_DIR. The kernels/*.hpp it writes must equal
# TEMPLATES_DIR/kernels/*.hpp; they are not stored again here, so a kernel edit is checked by
# the kernel tests and not turned into golden churn (the manifest still says which are used).
# With ONNX2MCU_UPDATE_GOLDEN=1 it rewrites GOLDEN_DIR instead (tools/update-golden.sh).
set -euo pipefail
gen=$(realpath "$1") model=$(realpath "$2") golden=$3 templates=$(realpath "$4")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" compile "$model" -o "$work/gen" --quiet

for k in $(grep '^kernels/' "$work/gen/onnx2mcu.manifest"); do
  cmp -s "$work/gen/$k" "$templates/$k" || { echo "FAIL: $k differs from $templates/$k: rebuild onnx2mcu"; exit 1; }
done
rm -rf "$work/gen/kernels"

if [ "${ONNX2MCU_UPDATE_GOLDEN:-0}" = 1 ]; then
  mkdir -p "$golden"
  rm -f "$golden"/*.h "$golden"/*.cpp "$golden"/onnx2mcu.manifest
  cp "$work/gen"/* "$golden"/
  echo "updated $golden: $(cd "$golden" && ls | tr '\n' ' ')"
  exit 0
fi
if diff -ru "$golden" "$work/gen" > "$work/diff"; then
  echo "ok: $(basename "$golden") is byte-identical to $golden"
  exit 0
fi
echo "FAIL: the generated code of $model changed (first 80 lines of the diff, - golden + now):"
head -80 "$work/diff"
echo "If the change is intended: tools/update-golden.sh (or ONNX2MCU_UPDATE_GOLDEN=1 ctest -R '^golden\.'),"
echo "then review and commit tests/golden/."
exit 1
