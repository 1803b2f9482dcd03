#!/usr/bin/env bash
# profile.sh ONNX2MCU MODEL.onnx TARGET: `onnx2mcu profile` prints one row per node with code (the
# nodes `inspect` lists that are not views), and the rows plus the line between them add up to
# the whole run exactly. Exit 77 without the target's compiler or QEMU.
set -euo pipefail
gen=$(realpath "$1") model=$(realpath -m "$2") target=$3
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
tools="arm-none-eabi-g++ qemu-system-arm"
[[ "$target" != riscv* ]] || tools="riscv64-unknown-elf-g++ qemu-system-riscv32"
for tool in $tools; do
  command -v $tool >/dev/null || { echo "SKIPPED: $tool is not installed"; exit 77; }
done
out=$("$gen" profile "$model" --target "$target")
echo "$out"
num() { tr -d ','; }
rows=$(echo "$out" | awk '$1 ~ /^[0-9]+$/' | wc -l)
sum=$(echo "$out" | awk '$1 ~ /^[0-9]+$/ { gsub(",", "", $(NF-2)); s += $(NF-2) } END { print s }')
between=$(echo "$out" | sed -nE 's/.*\(between nodes[^)]*\) +([0-9,]+)$/\1/p' | num)
whole=$(echo "$out" | sed -nE 's/^ +whole run +([0-9,]+)$/\1/p' | num)
code_nodes=$("$gen" inspect "$model" | awk '$1 ~ /^[0-9]+$/ && $0 !~ /\(view\)/' | wc -l)
[ "$rows" -eq "$code_nodes" ] || { echo "FAIL: $rows rows, inspect lists $code_nodes nodes with code"; exit 1; }
[ $((sum + between)) -eq "$whole" ] || { echo "FAIL: nodes $sum + between $between != whole run $whole"; exit 1; }
[ "$sum" -gt $((whole * 9 / 10)) ] || { echo "FAIL: the nodes hold only $sum of $whole instructions"; exit 1; }
echo "ok: $rows nodes, $sum + $between = $whole instructions"
