#!/usr/bin/env bash
# qkernels_test.sh - the integer kernels' Arm variants against their reference, in QEMU:
# builds tests/target/qkernels_test.cpp for mps2-an386 (Cortex-M4, DSP: SMLAD/SXTB16) and
# mps3-an547 (Cortex-M55, Helium/MVE), with the flags of templates/targets/cortex-m and
# -Werror, runs each under tools/count-insns.sh, and checks the program's verdict. Prints the
# instructions of one KWS-sized layer per kernel, reference and variant, and per MAC.
# Ends with "N passed, M failed"; exits non-zero on any failure.
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tpl="$root/templates/targets/cortex-m"
for tool in arm-none-eabi-gcc arm-none-eabi-g++ qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "qkernels_test: $tool not found; see the Needs line in $0" >&2; exit 2; }
done
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cxxflags=(-mthumb -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables
          -ffunction-sections -fdata-sections -O2 -Wall -Wextra -Werror)
cflags=(-mthumb -std=c11 -ffunction-sections -fdata-sections -O2 -Wall -Wextra)
ldflags=(-mthumb -nostartfiles --specs=nano.specs "-Wl,--gc-sections")
passed=0 failed=0
# bench regions (see qkernels_test.cpp): name and MACs
names=(pointwise depthwise3x3 gemm)
macs=(512000 72000 81920)

for board in mps2-an386 mps3-an547; do
  read -r -a flags <<<"$(awk -v b="$board" '$1 == b { for (i = 4; i <= NF; ++i) printf "%s ", $i }' "$tpl/boards.txt")"
  out="$work/$board"
  mkdir -p "$out"
  for f in startup syscalls rig; do
    arm-none-eabi-gcc "${cflags[@]}" "${flags[@]}" -DRIG_QUIET -c "$tpl/$f.c" -o "$out/$f.o"
  done
  if ! arm-none-eabi-g++ "${cxxflags[@]}" "${flags[@]}" -I"$root/templates" -I"$tpl" \
      -c "$root/tests/target/qkernels_test.cpp" -o "$out/prog.o"; then
    echo "FAIL $board: build"; failed=$((failed + 1)); continue
  fi
  arm-none-eabi-g++ "${ldflags[@]}" "${flags[@]}" -L"$tpl" -T "link-$board.ld" "$out/prog.o" "$out/startup.o" \
    "$out/syscalls.o" "$out/rig.o" -lm -o "$out/prog.elf"
  rc=0
  QEMU_TIMEOUT=${QEMU_TIMEOUT:-120} "$root/tools/count-insns.sh" "$out/prog.elf" "$board" >"$out/log" 2>&1 || rc=$?
  grep -v '^region\|^total_insns' "$out/log" | sed "s/^/$board: /"
  if [ "$rc" -ne 0 ] || ! grep -q '^qkernels: [0-9]* passed, 0 failed' "$out/log"; then
    echo "FAIL $board: exit $rc"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + 1))
  for i in 0 1 2; do
    ref=$(awk -v r=$((2 * i)) '$1 == "region" && $2 == r { sub("insns=", "", $3); print $3 }' "$out/log")
    var=$(awk -v r=$((2 * i + 1)) '$1 == "region" && $2 == r { sub("insns=", "", $3); print $3 }' "$out/log")
    awk -v b="$board" -v n="${names[$i]}" -v m="${macs[$i]}" -v r="$ref" -v v="$var" \
      'BEGIN { printf "%s %-13s reference %9d insns (%.2f/MAC)  variant %9d insns (%.2f/MAC)\n", b, n, r, r / m, v, v / m }'
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
