#!/usr/bin/env bash
# verify_budgets.sh ONNX2MCU MODEL_DIR: `verify --json` gives every output's verdict and error
# and the arena, flash, stack and instructions on the M4; each budget flag (--max-arena,
# --max-flash, --max-stack, --max-instructions) passes at the real figure and fails one below
# it with a message naming the figure, the budget and the overshoot (issue 17 item 4).
# Exit 77 without arm-none-eabi-g++ or qemu-system-arm.
set -euo pipefail
gen=$(realpath "$1") dir=$(realpath -m "$2")
model=$dir/model.onnx
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
if ! { command -v arm-none-eabi-g++ && command -v qemu-system-arm; } >/dev/null; then
  echo "SKIPPED: arm-none-eabi-g++ or qemu-system-arm is not installed"; exit 77
fi
fail() { echo "FAIL: $*"; exit 1; }
field() { /usr/bin/python3 -c "import json, sys; print(json.load(sys.stdin)$1)"; }

m4=$("$gen" verify "$model" --data "$dir" --target cortex-m4 --json) || fail "verify --json on cortex-m4 failed"
echo "$m4"
# The fields, and the figures against what inspect measures for the same model and target.
/usr/bin/python3 - "$m4" "$("$gen" inspect "$model" --target cortex-m4 --json)" <<'PY' || exit 1
import json, sys
v, r = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert v["pass"] is True and v["target"] == "mps2-an386", v
assert v["outputs"] and all(o["pass"] and o["mismatches"] == 0 and o["max_abs"] <= v["atol"] + v["rtol"] for o in v["outputs"]), v["outputs"]
assert all(isinstance(o[k], (int, float)) for o in v["outputs"] for k in ("max_abs", "max_rel", "elements", "argmax"))
assert v["arena_bytes"] == r["arena_bytes"], (v["arena_bytes"], r["arena_bytes"])
assert v["flash_bytes"] == r["footprint"]["flash_bytes"], (v["flash_bytes"], r["footprint"])
assert v["stack_bytes"] == r["footprint"]["stack_bytes"] > 0, (v["stack_bytes"], r["footprint"])
assert v["instructions"] > 1000 and v["stack_peak_bytes"] > 0 and v["budgets"] == [], v
print("ok   verify --json: %d outputs pass; arena %d, flash %d, stack %d B, %d instructions" %
      (len(v["outputs"]), v["arena_bytes"], v["flash_bytes"], v["stack_bytes"], v["instructions"]))
PY
arena=$(field '["arena_bytes"]' <<<"$m4") flash=$(field '["flash_bytes"]' <<<"$m4")
stack=$(field '["stack_bytes"]' <<<"$m4") insns=$(field '["instructions"]' <<<"$m4")

# At the real figures every budget passes.
out=$("$gen" verify "$model" --data "$dir" --target cortex-m4 --max-arena "$arena" --max-flash "$flash" --max-stack "$stack" \
      --max-instructions "$insns") || fail "verify with every budget at its figure exited $?: $out"
for f in arena flash stack instructions; do
  grep -q "^budget ok: $f " <<<"$out" || fail "no 'budget ok: $f' line in: $out"
done
echo "ok   all four budgets pass at the measured figures"

# One below each, in one run: every figure fails, each line naming the figure, its budget and the
# overshoot, and the verdict is FAIL (exit 1).
rc=0
out=$("$gen" verify "$model" --data "$dir" --target cortex-m4 --max-arena $((arena - 1)) --max-flash $((flash - 1)) \
      --max-stack $((stack - 1)) --max-instructions $((insns - 1)) 2>&1) || rc=$?
[ "$rc" -eq 1 ] || fail "every budget one below its figure exited $rc: $out"
grep -q "on cortex-m4: FAIL" <<<"$out" || fail "no FAIL verdict in: $out"
over() {  # FIGURE VALUE UNIT
  local f=$1 v=$2 unit=$3
  grep -qF "over budget: $f $v$unit > --max-$f $((v - 1))$unit, over by 1$unit" <<<"$out" || fail "--max-$f: no overshoot line in: $out"
  echo "ok   --max-$f $((v - 1)) fails: $(grep "over budget: $f " <<<"$out")"
}
over arena "$arena" " B"
over flash "$flash" " B"
over stack "$stack" " B"
over instructions "$insns" ""
# Alone, one failed budget fails the verification too.
rc=0; out=$("$gen" verify "$model" --data "$dir" --max-arena $((arena - 1)) 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q "^over budget: arena" <<<"$out" || fail "--max-arena alone on the host: $rc $out"
echo "ok   --max-arena alone fails on the host"
# On the host: no flash, instructions or stack peak (null), the worst-case stack from g++.
host=$("$gen" verify "$model" --data "$dir" --json) || fail "verify --json on the host failed"
/usr/bin/python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert v["pass"] and v["target"] == "host" and v["stack_bytes"] > 0, v
assert v["flash_bytes"] is None and v["instructions"] is None and v["stack_peak_bytes"] is None, v' "$host" || fail "verify --json on the host: $host"
echo "ok   verify --json on the host: flash, instructions and stack peak are null"
# On the host, flash and instructions are not measured: a clear error, not a silent pass.
rc=0; out=$("$gen" verify "$model" --data "$dir" --max-flash 1 2>&1) || rc=$?
[ "$rc" -eq 1 ] && grep -q "max-flash is measured on a QEMU target" <<<"$out" || fail "--max-flash on the host: $rc $out"
echo "ok   --max-flash on the host is an error"
