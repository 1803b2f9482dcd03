#!/usr/bin/env bash
# graph_campaign.sh FUZZ_GRAPHS SEED COUNT SAVE_DIR [fuzz_graphs options...]
# A long whole-graph fuzzing run (docs/reliability.md) in chunks of 1000 seeds, resumable: a
# finding that kills the process (a sanitizer report, a signal) leaves its model in SAVE_DIR
# (fuzz_graphs --save writes it before compiling), and the run goes on after that seed.
# Prints one line per chunk and the totals; exit 1 when anything was found.
set -uo pipefail
fuzz=$1 seed=$2 count=$3 save=$4
shift 4
mkdir -p "$save"
end=$((seed + count)) graphs=0 compiled=0 crashes=0 findings=0
while [ "$seed" -lt "$end" ]; do
  n=$((end - seed < 1000 ? end - seed : 1000))
  out=$("$fuzz" --seed "$seed" --count "$n" --save "$save" "$@" 2>"$save/stderr.$seed")
  rc=$?
  line=$(grep '^fuzz_graphs:' <<<"$out")
  grep '^FINDING' <<<"$out"
  if [ -n "$line" ]; then
    graphs=$((graphs + $(sed -E 's/^fuzz_graphs: ([0-9]+) graphs.*/\1/' <<<"$line")))
    compiled=$((compiled + $(sed -E 's/.*: ([0-9]+) compiled.*/\1/' <<<"$line")))
    findings=$((findings + $(sed -E 's/.*, ([0-9]+) findings/\1/' <<<"$line")))
    rm -f "$save/stderr.$seed"
    seed=$((seed + n))
  else  # died: the model it died on is the lowest-numbered file left from this chunk
    crashed=$(ls "$save" | sed -nE 's/^graph_([0-9]+)\.onnx$/\1/p' | awk -v lo="$seed" -v hi=$((seed + n)) '$1 >= lo && $1 < hi' | sort -n | head -1)
    if [ -z "$crashed" ] && [ -f "$save/generating" ]; then  # died in a shape rule while generating
      crashed=$(cat "$save/generating")
      "$fuzz" --seed "$crashed" --count 1 --save "$save" --checkpoints "$@" >/dev/null 2>&1
    fi
    [ -z "$crashed" ] && { echo "FAIL: fuzz_graphs exited $rc with no model left"; cat "$save/stderr.$seed"; exit 1; }
    echo "CRASH seed $crashed (exit $rc): $save/graph_$crashed.onnx, report in $save/stderr.$seed"
    grep -m3 -E "ERROR|runtime error|SUMMARY" "$save/stderr.$seed"
    crashes=$((crashes + 1)) graphs=$((graphs + crashed - seed + 1))
    seed=$((crashed + 1))
  fi
  echo "$(date -u +%H:%M:%S) up to seed $((seed - 1)): $graphs graphs, $compiled compiled, $findings findings, $crashes crashes"
done
echo "graph_campaign: $graphs graphs, $compiled compiled, $findings findings, $crashes crashes"
[ $((findings + crashes)) -eq 0 ]
