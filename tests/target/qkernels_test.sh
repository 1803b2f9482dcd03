#!/usr/bin/env bash
# qkernels_test.sh - the integer kernels' Arm variants against their reference, in QEMU:
# builds tests/target/qkernels_test.cpp for every Cortex-M board: mps2-an385 (Cortex-M3, the
# portable blocked kernels), mps2-an386 / an500 / an505 (Cortex-M4 / M7 / M33, DSP:
# SMLAD/SXTB16) and mps3-an547 (Cortex-M55, Helium/MVE), with the flags of templates/targets/cortex-m and
# -Werror, runs each under tools/count-insns.sh, and checks the program's verdict; the
# Cortex-M4 and Cortex-M55 once more with -DO2M_NO_ASM (docs/api.md: the C loops in place of every
# inline-assembly block, the same bytes). Prints the
# instructions of one KWS-sized layer per kernel, reference and variant, and per MAC.
# Ends with "N passed, M failed"; exits non-zero on any failure.
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/guest_build.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
# bench regions (see qkernels_test.cpp): name and MACs
names=(pointwise depthwise3x3 gemm)
macs=(512000 72000 81920)

for run in mps2-an385 mps2-an386 mps2-an386:no-asm mps2-an500 mps2-an505 mps3-an547 mps3-an547:no-asm; do
  board=${run%%:*} out="$work/$run"
  flags=""
  [ "$run" = "$board" ] || flags=-DO2M_NO_ASM
  if ! GUEST_CXXFLAGS=$flags build_guest "$board" "$root/tests/target/qkernels_test.cpp" "$out"; then
    echo "FAIL $run: build"; failed=$((failed + 1)); continue
  fi
  rc=0
  QEMU_TIMEOUT=${QEMU_TIMEOUT:-120} "$root/tools/count-insns.sh" "$out/prog.elf" "$board" >"$out/log" 2>&1 || rc=$?
  grep -v '^region\|^total_insns' "$out/log" | sed "s/^/$run: /"
  if [ "$rc" -ne 0 ] || ! grep -q '^qkernels: [0-9]* passed, 0 failed' "$out/log"; then
    echo "FAIL $run: exit $rc"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + 1))
  for i in 0 1 2; do
    ref=$(awk -v r=$((2 * i)) '$1 == "region" && $2 == r { sub("insns=", "", $3); print $3 }' "$out/log")
    var=$(awk -v r=$((2 * i + 1)) '$1 == "region" && $2 == r { sub("insns=", "", $3); print $3 }' "$out/log")
    awk -v b="$run" -v n="${names[$i]}" -v m="${macs[$i]}" -v r="$ref" -v v="$var" \
      'BEGIN { printf "%s %-13s reference %9d insns (%.2f/MAC)  variant %9d insns (%.2f/MAC)\n", b, n, r, r / m, v, v / m }'
  done
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
