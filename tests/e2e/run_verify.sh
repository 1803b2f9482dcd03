#!/usr/bin/env bash
# run_verify.sh ONNX2MCU MODEL_DIR [verify options...]
# Verifies MODEL_DIR/model.onnx against MODEL_DIR/test_data_set_*; exit 77 (skipped) when the
# folder is one of the shared models and ../shared/models is not there.
set -euo pipefail
gen=$1 dir=$2
shift 2
if [ ! -f "$dir/model.onnx" ]; then
  echo "SKIPPED: $dir/model.onnx not found (the shared models live in ../shared/models beside the repo)"
  exit 77
fi
"$gen" verify "$dir/model.onnx" --data "$dir" "$@"
