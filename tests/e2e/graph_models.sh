#!/usr/bin/env bash
# graph_models.sh ONNX2MCU: small multi-node models (make_graph_models.py) compile with the CLI,
# and their generated code, built and run by `verify`, gives the expected outputs.
set -uo pipefail
gen=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_graph_models.py" "$work" || { echo "FAIL: could not write the models"; exit 1; }
passed=0 failed=0
for dir in "$work"/*/; do
  name=$(basename "$dir")
  if "$gen" compile "$dir/model.onnx" -o "$work/gen_$name" >"$work/log" 2>&1 &&
     "$gen" verify "$dir/model.onnx" --data "$dir" >>"$work/log" 2>&1; then
    passed=$((passed + 1)); echo "ok    $name"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/log"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
