#!/usr/bin/env bash
# run_verify_resaved.sh ONNX2MCU MODEL_DIR WORK_DIR OPSET IR [verify options...]
# Re-saves MODEL_DIR/model.onnx at default-domain opset OPSET and IR version IR
# (resave_opset.py: attributes that became inputs moved, as a current exporter writes them) into
# WORK_DIR, checks that onnx2mcu generates the same code for it as for the original (normalize-ops
# brings both to one form; only the line naming the source file may differ), then verifies it
# against MODEL_DIR's references with the options the model has in models.txt, as run_verify.sh
# does at its own opset. Exit 77 (skipped) without ../shared/models.
set -euo pipefail
gen=$1 dir=$2 work=$3 opset=$4 ir=$5
shift 5
if [ ! -f "$dir/model.onnx" ]; then
  echo "SKIPPED: $dir/model.onnx not found (the shared models live in ../shared/models beside the repo)"
  exit 77
fi
mkdir -p "$work"
/usr/bin/python3 "$(dirname "$0")/resave_opset.py" "$dir/model.onnx" "$work/model.onnx" --opset "$opset" --ir "$ir"
shapes=()
for ((i = 1; i <= $#; ++i)); do
  if [ "${!i}" = --shape ]; then
    j=$((i + 1))
    shapes+=(--shape "${!j}")
  fi
done
for m in original:"$dir/model.onnx" resaved:"$work/model.onnx"; do
  rm -rf "$work/${m%%:*}"
  "$gen" -q compile "${m#*:}" --name model -o "$work/${m%%:*}" "${shapes[@]}"
done
if ! diff -r -I 'sha256' "$work/original" "$work/resaved"; then
  echo "FAIL: the model re-saved at opset $opset generates other code than at its own opset"
  exit 1
fi
"$gen" verify "$work/model.onnx" --data "$dir" "$@"
