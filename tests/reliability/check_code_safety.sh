#!/usr/bin/env bash
# check_code_safety.sh ONNX2MCU MODEL.onnx [compile options...]
# What the generated code promises a firmware build, checked on one model:
#  - warning-free with -Wall -Wextra -Wconversion -Wshadow -Werror on host g++ and on
#    arm-none-eabi-g++ (Cortex-M4, -fno-exceptions -fno-rtti);
#  - cppcheck --enable=warning,portability finds nothing;
#  - `onnx2mcu inspect --stack` reports run()'s worst-case stack on host and Cortex-M4, with no
#    recursion and no unbounded dynamic frame.
# SKIPPED (77) when the model (a shared one) or a tool is missing.
set -uo pipefail
gen=$(realpath "$1") model=$(realpath -m "$2")
shift 2
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
for tool in g++ arm-none-eabi-g++ cppcheck; do
  command -v $tool >/dev/null || { echo "SKIPPED: $tool is not installed (tools/setup-debian.sh)"; exit 77; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
"$gen" compile "$model" --name net -o "$work/gen" "$@" >/dev/null || { echo "FAIL: the model does not compile"; exit 1; }

warn="-std=c++17 -O2 -Wall -Wextra -Wconversion -Wshadow -Werror"
if out=$(g++ $warn -I"$work/gen" -c "$work/gen/net.cpp" -o "$work/host.o" 2>&1); then echo "ok    host g++ $warn"
else failed=1; echo "FAIL  host g++ $warn"; echo "$out" | grep -E "error|warning" | sort -u | head -20; fi
arm="-mthumb -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mfloat-abi=hard -fno-exceptions -fno-rtti"
if out=$(arm-none-eabi-g++ $arm $warn -I"$work/gen" -c "$work/gen/net.cpp" -o "$work/arm.o" 2>&1); then echo "ok    arm-none-eabi-g++ (cortex-m4) $warn"
else failed=1; echo "FAIL  arm-none-eabi-g++ $warn"; echo "$out" | grep -E "error|warning" | sort -u | head -20; fi

# cppcheck reads the weights as code: give it the kernels and run() without them (the
# arrays are `static const` data with no logic to check), keeping their declarations.
awk '
  skip { if ($0 ~ /^};$/) skip = 0; next }
  /^alignas\(16\) ([A-Z0-9_]+_WEIGHTS_ATTR )?const .*\] = \{/ { line = $0; sub(/= \{.*$/, "= {};", line); print line; skip = ($0 !~ /\};$/); next }
  { print }' "$work/gen/net.cpp" > "$work/gen/net_nodata.cpp"
if out=$(cppcheck --enable=warning,portability --error-exitcode=1 --std=c++17 --language=c++ --inline-suppr -q \
           -I"$work/gen" "$work/gen/net_nodata.cpp" 2>&1); then echo "ok    cppcheck --enable=warning,portability"
else failed=1; echo "FAIL  cppcheck --enable=warning,portability"; echo "$out" | head -20; fi

for target in host cortex-m4; do
  if report=$("$gen" inspect "$model" --stack --target $target "$@" 2>&1); then
    worst=$(printf '%s\n' "$report" | sed -n 's/^  worst case *\([0-9]*\) B.*/\1/p')
    frame=$(printf '%s\n' "$report" | sed -n 's/^  run() frame *\([0-9]*\) B/\1/p')
    if printf '%s\n' "$report" | grep -q "at least"; then
      failed=1; echo "FAIL  stack on $target: recursion or an unbounded dynamic frame"; printf '%s\n' "$report" | sed -n '/^stack on/,$p'
    else
      echo "ok    stack on $target: worst case $worst B (run() frame $frame B)"
    fi
  else
    failed=1; echo "FAIL  inspect --stack --target $target"; printf '%s\n' "$report" | tail -5
  fi
done
exit $failed
