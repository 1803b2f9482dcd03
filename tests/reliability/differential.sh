#!/usr/bin/env bash
# differential.sh FUZZ_GRAPHS CONFORMANCE_RUNNER SOURCE_DIR SEED COUNT [WORK_DIR]
# Differential test against ONNX Runtime (docs/reliability.md): fuzz_graphs --differential writes
# every graph of seeds SEED .. SEED+COUNT-1 that onnx2mcu compiles as an ONNX test folder with
# seeded random inputs; onnxruntime-node (tools/ort, CPU, optimisations off) writes the reference
# outputs; conformance_runner compiles, builds (batched programs) and runs the generated code and
# compares at the tolerance in differential_manifest.txt (integers and bool exactly).
# SKIPPED (77) when node or tools/ort/node_modules/onnxruntime-node is missing (tools/setup-debian.sh).
set -uo pipefail
fuzz=$1 runner=$2 src=$(realpath "$3") seed=$4 count=$5 work=${6:-}
if ! command -v node >/dev/null || [ ! -d "$src/tools/ort/node_modules/onnxruntime-node" ]; then
  echo "SKIPPED: node or onnxruntime-node is not installed (run tools/setup-debian.sh)"; exit 77
fi
if [ -z "$work" ]; then
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi
# In the sanitized build the generated code is built with the same checks (GENERATED_CODE_FLAGS).
[ -n "${GENERATED_CODE_FLAGS:-}" ] && export CXX="${CXX:-c++} $GENERATED_CODE_FLAGS"
data=$work/data/simple
rm -rf "$data" "$work/data/ort-refused"
mkdir -p "$data"
"$fuzz" --differential --seed "$seed" --count "$count" --write "$data" | tail -1 || { echo "FAIL: fuzz_graphs"; exit 1; }
node "$src/tools/ort/run_ort.js" "$data" || { echo "FAIL: run_ort.js"; exit 1; }
for f in "$work"/data/ort-refused/*/ort_error.txt; do
  [ -f "$f" ] && echo "ORT refused $(basename "$(dirname "$f")"): $(head -c 300 "$f")"
done
"$runner" --manifest "$src/tests/reliability/differential_manifest.txt" --data "$work/data" --folder simple \
  --jobs "${JOBS:-2}" --batch-size 100 --work "$work/build"
