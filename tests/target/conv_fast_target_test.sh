#!/usr/bin/env bash
# conv_fast_target_test.sh - conv2d_fast's Cortex-M FPU assembly and Helium blocks against the
# reference conv, in QEMU: builds tests/target/conv_fast_target_test.cpp for mps2-an386 (Cortex-M4,
# FPv4), mps2-an500 (Cortex-M7, FPv5) and mps3-an547 (Cortex-M55) with the flags of
# templates/targets/cortex-m and -Werror, runs it, and checks its verdict.
# Ends with "N passed, M failed"; exits non-zero on any failure.
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/guest_build.sh"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
for board in mps2-an386 mps2-an500 mps3-an547; do
  out="$work/$board"
  if ! build_guest "$board" "$root/tests/target/conv_fast_target_test.cpp" "$out"; then
    echo "FAIL $board: build"; failed=$((failed + 1)); continue
  fi
  # The blocks must really be the fast ones on these cores: the FPU assembly (vldmia of weights),
  # and on the M55 Helium's vector-by-scalar multiply-add (objdump decodes MVE only with -m).
  arm-none-eabi-objdump -d -m armv8.1-m.main "$out/prog.elf" >"$out/prog.dis"
  if ! grep -q 'vfma.f32' "$out/prog.dis" || ! grep -q 'vldmia.*!, {s' "$out/prog.dis"; then
    echo "FAIL $board: no FPU assembly block in the program"; failed=$((failed + 1)); continue
  fi
  if [ "$board" = mps3-an547 ] && ! grep -qP 'vfma.f32\tq\d, q\d, r' "$out/prog.dis"; then
    echo "FAIL $board: no Helium conv block in the program"; failed=$((failed + 1)); continue
  fi
  rc=0
  QEMU_TIMEOUT=${QEMU_TIMEOUT:-120} "$root/tools/run-qemu.sh" "$out/prog.elf" "$board" >"$out/log" 2>&1 || rc=$?
  sed "s/^/$board: /" "$out/log"
  if [ "$rc" -ne 0 ] || ! grep -q '^convfast: [1-9][0-9]* passed, 0 failed' "$out/log"; then
    echo "FAIL $board: exit $rc"; failed=$((failed + 1)); continue
  fi
  passed=$((passed + 1))
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
