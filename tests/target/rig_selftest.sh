#!/usr/bin/env bash
# rig_selftest.sh - checks the Cortex-M target runtime (templates/targets/
# cortex-m) and the QEMU tools on every board in boards.txt. A small C++
# program, built with the flags README.md documents and no warnings, must
#   - print its line and exit 0,
#   - exit 70 on a divide-by-zero trap and on a stack overflow, 71 on malloc;
# on mps2-an386 the instruction counter must give a positive count for a
# marked region and 2 for an empty one, and RIG_STACK_SIZE must take effect;
# a host build with rig_host.c must print the same line.
# The RISC-V boards (templates/targets/riscv, which shares rig.c and
# syscalls.c) are checked too when their toolchain is installed: the line and
# exit 0, 70 on an illegal instruction, 71 on malloc, and the counter on
# virt-rv32imac (RISC-V has no divide trap, and nothing below the stack faults).
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi
#        libstdc++-arm-none-eabi-newlib qemu-system-arm gcc g++
#        (RISC-V: gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tpl="$root/templates/targets/cortex-m" rv="$root/templates/targets/riscv"
tools="$root/tools"
for tool in arm-none-eabi-gcc arm-none-eabi-g++ qemu-system-arm cc c++; do
  command -v "$tool" >/dev/null || { echo "rig_selftest: $tool not found; see the Needs line in $0" >&2; exit 2; }
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The flags of templates/targets/cortex-m/README.md; keep the two in step. The
# family's own come from family(): -mthumb and newlib-nano, or picolibc.
cxxflags=(-std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables
          -ffunction-sections -fdata-sections -O2 -Wall -Wextra)
cflags=(-std=c11 -ffunction-sections -fdata-sections -O2 -Wall -Wextra)
ldflags=(-nostartfiles "-Wl,--gc-sections")
runtime=(startup.c syscalls.c rig.c)

# family BOARD: sets cross (tool prefix), arch (compile and link flags), libc
# (link only), ld (the link driver) and dir (startup.c and linker scripts).
family() {
  if grep -q "^$1 " "$rv/boards.txt"; then
    cross=riscv64-unknown-elf- arch=(--specs=picolibc.specs) libc=() ld=gcc dir=$rv
  else
    cross=arm-none-eabi- arch=(-mthumb) libc=(--specs=nano.specs) ld=g++ dir=$tpl
  fi
}

expected="rig selftest: dot=84 neg=-84"
cat >"$work/prog.cpp" <<'CPP'
#include <stdlib.h>
#include "rig.h"

const float kA[8] = {1, 2, 3, 4, 5, 6, 7, 8};
float g_b[8];
volatile int g_n = 8;  // volatile: the compiler must not fold the work away
volatile int g_zero = 0;

__attribute__((noinline)) float dot(const float *a, const float *b, int n) {
  float s = 0.0f;
  for (int i = 0; i < n; ++i) s += a[i] * b[i];
  return s;
}

__attribute__((noinline)) int deep(int n) {  // about 260 bytes of stack a level
  volatile char pad[256];
  pad[0] = char(n);
  return n ? deep(n - 1) + pad[0] : 0;
}

int main() {
#if MODE == 1
  return 100 / g_zero;  // divide-by-zero trap: exit 70
#elif MODE == 2
  void *volatile p = malloc(16);  // there is no heap: exit 71
  return p != nullptr;
#elif MODE == 3
  return deep(200);  // 52 KB of stack: exit 70
#elif MODE == 4
  __asm__ volatile(".word 0");  // an illegal instruction: exit 70
  return 0;
#else
  for (int i = 0; i < 8; ++i) g_b[i] = 0.5f * float(i);
  rig_region_begin();
  const float d = dot(kA, g_b, g_n);
  rig_region_end();
  rig_region_begin();  // empty: counts only the marker calls
  rig_region_end();
  rig_puts("rig selftest: dot=");
  rig_put_int(long(d));
  rig_puts(" neg=");
  rig_put_int(-long(d));
  rig_puts("\n");
  return d == 84.0f ? 0 : 1;
#endif
}
CPP

passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok    $1"; }
fail() {
  failed=$((failed + 1))
  echo "FAIL  $1"
  shift
  for f in "$@"; do [ ! -s "$f" ] || sed 's/^/      | /' "$f"; done
}

# Runs a command with its stderr in $work/log; a warning counts as a failure.
quiet() { "$@" 2>"$work/log" && [ ! -s "$work/log" ]; }

# build_runtime BOARD FLAGS...: the runtime objects, once per board.
build_runtime() {
  local board=$1 src from
  shift
  family "$board"
  mkdir -p "$work/$board"
  for src in "${runtime[@]}"; do
    from=$tpl/$src
    [ ! -f "$dir/$src" ] || from=$dir/$src
    quiet ${cross}gcc "${arch[@]}" "$@" "${cflags[@]}" -I"$tpl" -c "$from" -o "$work/$board/rt-${src%.c}.o" || return 1
  done
}

# build BOARD MODE OUT.elf FLAGS... [-- LINK_FLAGS...]
build() {
  local board=$1 mode=$2 elf=$3 flags=() link=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do flags+=("$1"); shift; done
  [ $# -eq 0 ] || { shift; link=("$@"); }
  family "$board"
  quiet ${cross}g++ "${arch[@]}" "${flags[@]}" "${cxxflags[@]}" -I"$tpl" -DMODE="$mode" \
    -c "$work/prog.cpp" -o "$work/$board/prog.o" &&
  quiet ${cross}$ld "${arch[@]}" "${flags[@]}" "${ldflags[@]}" "${libc[@]}" "${link[@]}" -L"$dir" -T "link-$board.ld" \
    "$work/$board/prog.o" "$work/$board"/rt-*.o -lm -o "$elf"
}

# run RUNNER ELF BOARD: output in $work/out and $work/err, exit code in $rc.
run() {
  rc=0
  QEMU_TIMEOUT=20 "$tools/$1" "$2" "$3" >"$work/out" 2>"$work/err" || rc=$?
}

while read -r board _cpu _machine flags; do
  case "$board" in "" | "#"*) continue ;; esac
  read -ra flags <<<"$flags"
  if ! build_runtime "$board" "${flags[@]}"; then
    fail "$board: runtime builds without warnings" "$work/log"
    continue
  fi
  modes="0 1 2 3"
  [ "$dir" != "$rv" ] || modes="0 4 2"
  for mode in $modes; do
    elf="$work/$board/mode$mode.elf"
    case $mode in
      0) what="prints '$expected', exits 0" want_rc=0 want_line="^$expected\$" ;;
      1) what="divide by zero exits 70" want_rc=70 want_line='^\[rig\] UsageFault CFSR=0x02000000 ' ;;
      2) what="malloc exits 71" want_rc=71 want_line='^\[rig\] heap use ' ;;
      3) what="stack overflow exits 70" want_rc=70 want_line='^\[rig\] .* \(stack overflow\)$' ;;
      4) what="illegal instruction exits 70" want_rc=70 want_line='^\[rig\] trap mcause=0x00000002 ' ;;
    esac
    if ! build "$board" "$mode" "$elf" "${flags[@]}"; then
      fail "$board: $what: build without warnings" "$work/log"
      continue
    fi
    run run-qemu.sh "$elf" "$board"
    if [ "$rc" -eq "$want_rc" ] && grep -qE -- "$want_line" "$work/out"; then
      ok "$board: $what"
    else
      fail "$board: $what (exit code $rc)" "$work/out" "$work/err"
    fi
  done
done < <(cat "$tpl/boards.txt"
         if command -v riscv64-unknown-elf-gcc >/dev/null && command -v qemu-system-riscv32 >/dev/null; then
           cat "$rv/boards.txt"
         fi)

# count-insns.sh reads either family's ELF.
elf="$work/virt-rv32imac/mode0.elf"
if [ -f "$elf" ]; then
  run count-insns.sh "$elf" virt-rv32imac
  if [ "$rc" -eq 0 ] && grep -q '^region 0 insns=[1-9]' "$work/out" && grep -q '^region 1 insns=2$' "$work/out"; then
    ok "virt-rv32imac: count-insns: dot region > 0 insns, empty region 2"
  else
    fail "virt-rv32imac: count-insns: want region 0 > 0 and region 1 = 2 (exit code $rc)" "$work/out" "$work/err"
  fi
fi

board=mps2-an386
elf="$work/$board/mode0.elf"
if [ -f "$elf" ]; then
  run count-insns.sh "$elf" "$board"
  region0=$(sed -n 's/^region 0 insns=\([0-9]*\)$/\1/p' "$work/out")
  region1=$(sed -n 's/^region 1 insns=\([0-9]*\)$/\1/p' "$work/out")
  if [ "$rc" -eq 0 ] && [ "${region0:-0}" -gt 0 ] && [ "$region1" = 2 ]; then
    ok "$board: count-insns: dot region $region0 insns, empty region 2"
  else
    fail "$board: count-insns: want region 0 > 0 and region 1 = 2 (exit code $rc)" "$work/out" "$work/err"
  fi

  read -ra flags <<<"$(awk -v b="$board" '$1 == b { $1 = $2 = $3 = ""; print }' "$tpl/boards.txt")"
  elf="$work/$board/stack.elf"
  if build "$board" 0 "$elf" "${flags[@]}" -- -Wl,--defsym=RIG_STACK_SIZE=8192; then
    run run-qemu.sh "$elf" "$board"
    if [ "$rc" -eq 0 ] && grep -q 'stack_peak=[1-9][0-9]* stack_reserved=8192$' "$work/out"; then
      ok "$board: RIG_STACK_SIZE=8192 reserves 8192 bytes"
    else
      fail "$board: RIG_STACK_SIZE=8192 reserves 8192 bytes (exit code $rc)" "$work/out" "$work/err"
    fi
  else
    fail "$board: RIG_STACK_SIZE build without warnings" "$work/log"
  fi
else
  fail "$board: count-insns and RIG_STACK_SIZE need the board's build, which failed"
fi

mkdir -p "$work/host"
if quiet c++ -std=c++17 -O2 -Wall -Wextra -I"$tpl" -DMODE=0 -c "$work/prog.cpp" -o "$work/host/prog.o" &&
   quiet cc -std=c11 -O2 -Wall -Wextra -c "$tpl/rig_host.c" -o "$work/host/rig_host.o" &&
   quiet c++ "$work/host/prog.o" "$work/host/rig_host.o" -o "$work/host/prog"; then
  rc=0
  "$work/host/prog" >"$work/out" 2>"$work/err" || rc=$?
  if [ "$rc" -eq 0 ] && [ "$(cat "$work/out")" = "$expected" ]; then
    ok "host: rig_host.c prints the same line"
  else
    fail "host: rig_host.c prints '$expected', exits 0 (exit code $rc)" "$work/out" "$work/err"
  fi
else
  fail "host: builds without warnings" "$work/log"
fi

echo "$passed passed, $failed failed"
if [ "$failed" -ne 0 ]; then
  echo "rig_selftest: FAILED" >&2
  exit 1
fi
