#!/usr/bin/env bash
# check_arena.sh ONNX2MCU TABLE: every model's arena must not grow past its row in TABLE and
# is reported when it is above the planner's lower bound. Shared models are SKIPPED when ../shared/models is absent.
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
  else
    passed=$((passed + 1)); echo "ok    $model $opts: arena $arena B (budget $budget B, lower bound $bound B)${arena:+}$([ "$arena" -lt "$budget" ] && echo "  -- smaller than the budget: update $table")$([ "$arena" -gt "$bound" ] && echo "  -- above the lower bound (placement not optimal yet)")"
  fi
done < "$table"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
