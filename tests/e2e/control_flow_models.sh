#!/usr/bin/env bash
# control_flow_models.sh ONNX2MCU TARGET: models whose If conditions come from the input
# (make_control_flow_models.py) compile to code that picks the branch at run time, and `verify`
# on TARGET (host, or cortex-m4 in QEMU) gives the expected outputs on every path.
# Exit 77 (skipped) for cortex-m4 without arm-none-eabi-g++ or qemu-system-arm.
set -uo pipefail
gen=$(realpath "$1") target=$2
if [ "$target" != host ] && ! { command -v arm-none-eabi-g++ && command -v qemu-system-arm; } >/dev/null; then
  echo "SKIPPED: arm-none-eabi-g++ or qemu-system-arm is not installed"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_control_flow_models.py" "$work" || { echo "FAIL: could not write the models"; exit 1; }
passed=0 failed=0
for dir in "$work"/*/; do
  name=$(basename "$dir")
  ok=1
  "$gen" compile "$dir/model.onnx" -o "$work/gen_$name" >"$work/log" 2>&1 || ok=0
  # Decided in the generated code, not folded: one `} else {` per If of the model.
  elses=$(grep -c '} else {' "$work/gen_$name/$name.cpp" 2>/dev/null || true)
  [ "$elses" -ge 1 ] || { echo "no run-time branch in $name.cpp" >>"$work/log"; ok=0; }
  # The report counts the branches' weights as the generated code holds them.
  said=$(sed -nE 's/.*weights ([0-9]+) B.*/\1/p' "$work/log") holds=$(sed -nE 's/.*_WEIGHT_BYTES ([0-9]+)u.*/\1/p' "$work/gen_$name/$name.h")
  [ -n "$said" ] && [ "$said" = "$holds" ] || { echo "report says $said weight bytes, the header $holds" >>"$work/log"; ok=0; }
  [ "$(wc -l <"$dir/paths.txt")" -ge 2 ] || { echo "the test data take fewer than 2 paths" >>"$work/log"; ok=0; }
  "$gen" verify "$dir/model.onnx" --data "$dir" --target "$target" >>"$work/log" 2>&1 || ok=0
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1)); echo "ok    $name ($elses run-time branches; paths: $(tr '\n' ' ' <"$dir/paths.txt"))"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/log"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
