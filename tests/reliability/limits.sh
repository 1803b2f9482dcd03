#!/usr/bin/env bash
# limits.sh ONNX2MCU DIGITS.onnx
# --max-tensor-bytes, --max-arena-bytes and --max-nodes: in compile, inspect and verify, exact
# at the boundary, one clear error naming the flag, exit 2 for a value that is not a positive
# number; and inspect --stack reports a stack on host and Cortex-M4.
set -uo pipefail
gen=$(realpath "$1") model=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
check() { if eval "$2" >/dev/null 2>&1; then echo "ok    $1"; else echo "FAIL  $1"; failed=1; fi; }
err() { "$gen" "$@" 2>&1 >/dev/null; true; }  # the message; the exit status is checked elsewhere

# digits: the largest tensor is conv2.weight (16x8x3x3 floats = 4608 bytes), 9 nodes.
check "compile: --max-tensor-bytes 4608 (the largest tensor) compiles" "'$gen' compile '$model' -o '$work/a' --max-tensor-bytes 4608"
check "compile: --max-tensor-bytes 4607 names the tensor and the flag" \
  "err compile '$model' -o '$work/b' --max-tensor-bytes 4607 | grep -q \"tensor 'conv2.weight'.*4608 bytes.*limit of 4607 (--max-tensor-bytes)\""
arena=$("$gen" inspect "$model" --json | sed -n 's/.*"arena_bytes": *\([0-9]*\).*/\1/p' | head -1)
check "inspect: --max-arena-bytes $arena (the arena) passes" "'$gen' inspect '$model' --max-arena-bytes $arena"
check "inspect: --max-arena-bytes $((arena - 1)) fails naming the flag" \
  "err inspect '$model' --max-arena-bytes $((arena - 1)) | grep -q 'arena needs $arena bytes.*(--max-arena-bytes)'"
check "verify: --max-nodes 8 fails before building anything" "err verify '$model' --max-nodes 8 | grep -q 'the graph has 9 nodes, more than the limit of 8 (--max-nodes)'"
check "compile: --max-nodes 9 compiles" "'$gen' compile '$model' -o '$work/c' --max-nodes 9"
for bad in 0 -5 abc 1.5 99999999999999999999999; do
  "$gen" compile "$model" -o "$work/d" --max-nodes "$bad" >/dev/null 2>&1
  check "--max-nodes '$bad' is a bad command line (exit 2)" "[ $? -eq 2 ]"
done
check "a failed limit leaves no output folder" "[ ! -e '$work/b' ] && [ ! -e '$work/d' ]"
check "compile --help lists the three limits" "'$gen' compile --help | grep -q -- --max-tensor-bytes && '$gen' compile --help | grep -q -- --max-arena-bytes && '$gen' compile --help | grep -q -- --max-nodes"
check "inspect --stack reports run() on the host" "'$gen' inspect '$model' --stack | grep -q 'worst case'"
check "inspect --stack --target cortex-m4 uses arm-none-eabi-g++" "'$gen' inspect '$model' --stack --target cortex-m4 | grep -q 'stack on mps2-an386 (arm-none-eabi-g++'"
check "inspect --json --stack keeps stdout JSON" "'$gen' inspect '$model' --json --stack 2>/dev/null | tail -1 | grep -q '}'"
exit $failed
