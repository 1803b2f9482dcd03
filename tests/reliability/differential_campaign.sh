#!/usr/bin/env bash
# differential_campaign.sh FUZZ_GRAPHS CONFORMANCE_RUNNER SOURCE_DIR SEED COUNT WORK_DIR
# The long differential run against ONNX Runtime (docs/reliability.md) in chunks of 1000 seeds:
# each chunk is one differential.sh run; a chunk with a mismatch keeps its work folder
# (WORK_DIR/SEED: models, ORT's outputs, the runner's report) and the run goes on.
# Prints one line per chunk and the totals; exit 1 when any graph disagreed.
set -uo pipefail
fuzz=$1 runner=$2 src=$3 seed=$4 count=$5 work=$6
here=$(dirname "${BASH_SOURCE[0]}")
mkdir -p "$work"
end=$((seed + count)) compiled=0 compared=0 refused=0 agreed=0 mismatched=0
while [ "$seed" -lt "$end" ]; do
  n=$((end - seed < 1000 ? end - seed : 1000))
  out=$("$here/differential.sh" "$fuzz" "$runner" "$src" "$seed" "$n" "$work/$seed" 2>&1)
  c=$(sed -nE 's/^fuzz_graphs: .* ([0-9]+) compiled.*/\1/p' <<<"$out" | tail -1)
  r=$(sed -nE 's/^run_ort: ([0-9]+) models run by .*, ([0-9]+) refused.*/\1 \2/p' <<<"$out" | tail -1)
  p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' <<<"$out" | tail -1)
  if [ -z "$c" ] || [ -z "$r" ] || [ -z "$p" ]; then
    echo "FAIL: chunk $seed did not finish; its output is in $work/$seed.log"
    printf '%s\n' "$out" >"$work/$seed.log"
    exit 1
  fi
  read -r ran ort_refused <<<"$r"
  read -r ok bad <<<"$p"
  compiled=$((compiled + c)) compared=$((compared + ran)) refused=$((refused + ort_refused))
  agreed=$((agreed + ok)) mismatched=$((mismatched + bad))
  if [ "$bad" -gt 0 ]; then
    grep -E '^(FAIL|XPASS) ' <<<"$out"
    printf '%s\n' "$out" >"$work/$seed.log"
  else
    rm -rf "${work:?}/$seed"
  fi
  echo "$(date -u +%H:%M:%S) seeds $seed..$((seed + n - 1)): $compiled compiled, $compared run by ORT ($refused refused), $agreed agree, $mismatched disagree"
  seed=$((seed + n))
done
echo "differential_campaign: $compiled compiled, $compared compared with ORT ($refused refused by ORT), $agreed agree, $mismatched disagree"
[ "$mismatched" -eq 0 ]
