#!/usr/bin/env bash
# run-qemu.sh ELF BOARD [QEMU_ARGS...]
#
# Runs a bare-metal ELF built with templates/targets/cortex-m (or riscv) on
# the QEMU machine that family's boards.txt gives for BOARD. The program's output (semihosting) goes
# to stdout, and the script exits with the program's exit code: main()'s
# return value, 70 for a fault, 71 for heap use, or 124 when QEMU_TIMEOUT
# (seconds, default 60) runs out. Extra arguments go to QEMU.
set -euo pipefail

if [ $# -lt 2 ]; then
  sed -n '2,8p' "$0" >&2
  exit 2
fi
elf=$1 board=$2
shift 2
targets="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/templates/targets"
timeout_s=${QEMU_TIMEOUT:-60}

[ -f "$elf" ] || { echo "run-qemu: no such file: $elf" >&2; exit 2; }
machine=$(awk -v b="$board" '$1 !~ /^#/ && $1 == b { print $3 }' "$targets/cortex-m/boards.txt")
qemu=(qemu-system-arm -M "$machine") package=qemu-system-arm
if [ -z "$machine" ]; then
  machine=$(awk -v b="$board" '$1 !~ /^#/ && $1 == b { print $3 }' "$targets/riscv/boards.txt")
  qemu=(qemu-system-riscv32 -M "$machine" -bios none) package=qemu-system-misc
fi
[ -n "$machine" ] || { echo "run-qemu: board '$board' is not in $targets/{cortex-m,riscv}/boards.txt" >&2; exit 2; }
command -v "${qemu[0]}" >/dev/null || { echo "run-qemu: ${qemu[0]} not found (Debian package $package)" >&2; exit 2; }

# Without a chardev, QEMU 7.2 writes semihosting output to its stderr.
rc=0
timeout -k 5 "$timeout_s" "${qemu[@]}" -nographic -monitor none -serial null \
  -chardev stdio,id=semihost,signal=off \
  -semihosting-config enable=on,target=native,chardev=semihost \
  -kernel "$elf" "$@" </dev/null || rc=$?
[ "$rc" -ne 124 ] || echo "run-qemu: $elf timed out after ${timeout_s}s" >&2
exit "$rc"
