#!/usr/bin/env bash
# docs.sh ONNX2MCU SOURCE_DIR: the docs that are copies of generated text are up to date.
#   docs/ops.md      = onnx2mcu ops --markdown      (regenerate: onnx2mcu ops --markdown > docs/ops.md)
#   docs/api.md      quotes tests/golden/digits/digits.h between its "digits.h begin/end" markers
#   every transcript in docs/*.md and README.md (a fenced block starting `$ onnx2mcu ARGS`) is
#   what that command prints now (doc_samples.py)
set -uo pipefail
gen=$1 src=$2
failed=0
if "$gen" ops --markdown | diff -u "$src/docs/ops.md" -; then echo "ok    docs/ops.md matches the op registry"
else failed=1; echo "FAIL  docs/ops.md is stale; regenerate: onnx2mcu ops --markdown > docs/ops.md"; fi
quoted=$(sed -n '/<!-- digits.h begin -->/,/<!-- digits.h end -->/p' "$src/docs/api.md" | sed '1,2d;$d' | sed '$d')
if [ "$quoted" = "$(cat "$src/tests/golden/digits/digits.h")" ]; then echo "ok    docs/api.md quotes the golden digits.h"
else failed=1; echo "FAIL  docs/api.md: copy tests/golden/digits/digits.h between its digits.h markers"; fi
/usr/bin/python3 "$(dirname "$0")/doc_samples.py" "$gen" "$src" || failed=1
exit $failed
