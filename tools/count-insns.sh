#!/usr/bin/env bash
# count-insns.sh ELF BOARD [QEMU_ARGS...]
#
# Runs ELF like run-qemu.sh with the instruction-counting plugin
# (templates/targets/qemu/insncount.c, built once into the cache), then prints
#   total_insns=N          guest instructions from reset to exit
#   region K insns=N       one line per rig_region_begin()/rig_region_end() pair
# and exits with the program's exit code. Counts are instructions, not cycles.
# If the program enables timer interrupts, pass -icount shift=0 to keep them
# deterministic. The cache is ${XDG_CACHE_HOME:-~/.cache}/onnx2mcu.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,10p' "$0" >&2
  exit 2
fi
elf=$1 board=$2
shift 2
tools="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$tools/../templates/targets/qemu/insncount.c"
[ -f "$elf" ] || { echo "count-insns: no such file: $elf" >&2; exit 2; }

# Named by content, so checkouts with different versions never share a build.
cache="${XDG_CACHE_HOME:-$HOME/.cache}/onnx2mcu"
plugin="$cache/insncount-$(sha256sum "$src" | cut -c1-16).so"
if [ ! -f "$plugin" ]; then
  mkdir -p "$cache"
  "${CC:-cc}" -shared -fPIC -O2 -Wall -Wextra -o "$plugin.$$" "$src" ||
    { echo "count-insns: building $src failed" >&2; exit 2; }
  mv "$plugin.$$" "$plugin"
fi

# Any GNU nm reads the symbols of either family's ELF; the Arm one is installed with the runtime.
nm=arm-none-eabi-nm
command -v $nm >/dev/null || nm=riscv64-unknown-elf-nm
symbol() { $nm "$elf" | awk -v s="$1" '$3 == s { print "0x" $1 }'; }
begin=$(symbol rig_region_begin)
end=$(symbol rig_region_end)
result=$(mktemp)
trap 'rm -f "$result"' EXIT
args="file=$plugin,out=$result"
# A program that never marks a region has no markers after --gc-sections.
[ -z "$begin" ] || [ -z "$end" ] || args="$args,begin=$begin,end=$end"

rc=0
"$tools/run-qemu.sh" "$elf" "$board" -plugin "$args" "$@" || rc=$?
cat "$result"
exit "$rc"
