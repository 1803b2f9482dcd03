#!/usr/bin/env bash
# bad_input.sh ONNX2MCU GOOD_MODEL.onnx
# Every bad input must give one error line naming the file (and the node and op where there is
# one), exit 1, and leave the output folder exactly as it was.
set -uo pipefail
gen=$(realpath "$1") good=$(realpath "$2")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bad"
/usr/bin/python3 "$(dirname "$0")/make_bad_models.py" "$work/bad" || { echo "FAIL: could not write the bad models"; exit 1; }
head -c 3000 "$good" > "$work/bad/truncated.onnx"
head -c 4096 /dev/urandom > "$work/bad/random_bytes.onnx"
: > "$work/bad/empty.onnx"

# An earlier good output that a failed run must leave untouched.
"$gen" compile "$good" --name net -o "$work/out" >/dev/null || { echo "FAIL: good model did not compile"; exit 1; }
before=$(cd "$work/out" && find . -type f -exec sha256sum {} + | sort)

passed=0 failed=0
# expect CASE_FILE "substring the error must contain" [extra args]
expect() {
  local model=$1 want=$2
  shift 2
  local err rc
  err=$("$gen" compile "$model" -o "$work/out" "$@" 2>&1 >/dev/null)
  rc=$?
  local after
  after=$(cd "$work/out" && find . -type f -exec sha256sum {} + | sort)
  local why=""
  [ "$rc" -eq 1 ] || why="exit code $rc, expected 1"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || why="$why; expected one error line"
  [[ "$err" == *"$(basename "$model")"* ]] || why="$why; error does not name the file"
  [[ "$err" == *"$want"* ]] || why="$why; error lacks '$want'"
  [ "$before" = "$after" ] || why="$why; the output folder changed"
  [ ! -e "$work/fresh" ] || why="$why; a fresh output folder was created"
  if [ -z "$why" ]; then
    passed=$((passed + 1)); echo "ok    $(basename "$model") $*: $err"
  else
    failed=$((failed + 1)); echo "FAIL  $(basename "$model") $*: $why"; echo "      stderr: $err"
  fi
}

expect "$work/bad/missing.onnx" "cannot open: no such file"
expect "$work/bad/empty.onnx" "ONNX"
expect "$work/bad/truncated.onnx" "corrupt or truncated"
expect "$work/bad/random_bytes.onnx" "ONNX"
expect "$work/bad/unsupported_op.onnx" "node 'mystery' (FooBar)"
expect "$work/bad/unimplemented_op.onnx" "node 'uniq' (Unique)"
expect "$work/bad/unknown_dim.onnx" "input 'x' has unknown dim 0 'N' in [?,4]; fix it with --shape x=1x4 (unknown dims written as 1)"
expect "$work/bad/dtype_mismatch.onnx" "node 'add_mixed' (Add)"
expect "$work/bad/bad_broadcast.onnx" "node 'add_bad' (Add)"
expect "$work/bad/dropout_runtime_training.onnx" "node 'drop' (Dropout): training_mode 't' is known only at run time"
expect "$work/bad/name_clash.onnx" "both become the C name 'a_b'"
expect "$work/bad/absurd_dims.onnx" "x"
expect "$good" "not a graph input" --shape nosuch=1x2
expect "$good" "contradicts" --shape image=2x1x8x8
expect "$good" "not a valid C identifier" --name "9 lives"
# A bad model aimed at a folder that does not exist yet must not create it.
"$gen" compile "$work/bad/truncated.onnx" -o "$work/fresh" 2>/dev/null
expect "$work/bad/truncated.onnx" "corrupt"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
