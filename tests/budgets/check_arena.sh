#!/usr/bin/env bash
# check_arena.sh ONNX2MCU TABLE: every model's arena must not grow past its row in TABLE, nor
# exceed the planner's own layer-by-layer lower bound (issue 4: ratio 1.00 everywhere). Shared models are SKIPPED when ../shared/models is absent.
set -uo pipefail
gen=$1 table=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
passed=0 failed=0 skipped=0
while read -r model budget opts; do
  case "$model" in ''|'#'*) continue ;; esac
  dir=$root/$model
  [[ $model == shared/* ]] && dir=$root/../shared/models/${model#shared/}
  if [ ! -f "$dir/model.onnx" ]; then skipped=$((skipped + 1)); echo "SKIPPED $model: $dir/model.onnx not found"; continue; fi
  # shellcheck disable=SC2086
  json=$("$gen" inspect "$dir/model.onnx" --json $opts) || { failed=$((failed + 1)); echo "FAIL  $model $opts: does not compile"; continue; }
  arena=$(sed -n 's/.*"arena_bytes": \([0-9]*\).*/\1/p' <<<"$json" | head -1)
  bound=$(sed -n 's/.*"lower_bound_bytes": \([0-9]*\).*/\1/p' <<<"$json" | head -1)
  if [ "$arena" -gt "$budget" ]; then
    failed=$((failed + 1)); echo "FAIL  $model $opts: arena $arena B > budget $budget B"
  elif [ "$arena" -gt "$bound" ]; then
    failed=$((failed + 1)); echo "FAIL  $model $opts: arena $arena B > its lower bound $bound B (placement not optimal)"
  else
    passed=$((passed + 1)); echo "ok    $model $opts: arena $arena B (budget $budget B, lower bound $bound B)$([ "$arena" -lt "$budget" ] && echo "  -- smaller than the budget: update $table")"
  fi
done < "$table"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
