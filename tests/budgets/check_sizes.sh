#!/usr/bin/env bash
# check_sizes.sh ONNX2MCU SOURCE_DIR SHARED_MODELS_DIR bundled|shared
# Measures the rows of sizes.txt (bundled: models in the repo; shared: shared/NAME rows, read
# from SHARED_MODELS_DIR) and fails when a number exceeds its budget by more than 3%. Prints
# every new number. With ONNX2MCU_UPDATE_BUDGETS=1 it writes the new numbers into sizes.txt
# instead (tools/update-budgets.sh). Exit 77 (skipped) when no row could be measured.
set -euo pipefail
gen=$(realpath "$1") src=$(realpath "$2") shared=$3 which=$4
table=$src/tests/budgets/sizes.txt targets=$src/templates/targets
update=${ONNX2MCU_UPDATE_BUDGETS:-0}
command -v arm-none-eabi-g++ >/dev/null || { echo "SKIPPED: arm-none-eabi-g++ not found"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# measure DIR CPU-OR-BOARD [compile options]: prints "flash code const arena".
measure() {
  local dir=$1 target=$2
  shift 2
  local flags tools=arm-none-eabi- board_of='$1 !~ /^#/ && ($1 == t || $2 == t) { $1 = $2 = $3 = ""; print; exit }'
  flags=$(awk -v t="$target" "$board_of" "$targets/cortex-m/boards.txt")
  if [ -n "$flags" ]; then
    flags="-mthumb $flags"
  else  # a RISC-V core: riscv64-unknown-elf-gcc with picolibc (cmake/toolchains/riscv64-unknown-elf.cmake)
    flags=$(awk -v t="$target" "$board_of" "$targets/riscv/boards.txt")
    [ -n "$flags" ] || { echo "unknown target '$target' (not in templates/targets/*/boards.txt)" >&2; return 1; }
    command -v riscv64-unknown-elf-g++ >/dev/null || { echo "riscv64-unknown-elf-g++ not found" >&2; return 1; }
    flags="$flags --specs=picolibc.specs" tools=riscv64-unknown-elf-
  fi
  rm -rf "$work/gen"
  "$gen" compile "$dir/model.onnx" -o "$work/gen" --name m --quiet "$@" >&2
  # The toolchain files' flags (cmake/toolchains/*.cmake) at -O2, as verify builds.
  ${tools}g++ $flags -std=c++17 -O2 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables \
    -ffunction-sections -fdata-sections -I"$work/gen" -c "$work/gen/m.cpp" -o "$work/m.o" >&2
  local flash arena
  flash=$(${tools}size "$work/m.o" | awk 'NR == 2 { print $1 + $2 }')
  arena=$(sed -n 's/^#define M_ARENA_BYTES \([0-9]*\)u.*/\1/p' "$work/gen/m.h")
  ${tools}size -A "$work/m.o" | awk -v flash="$flash" -v arena="$arena" '
    $1 ~ /^\.text/ { code += $2 } $1 ~ /^\.s?rodata/ { ro += $2 }
    END { printf "%d %d %d %d\n", flash, code, ro, arena }'
}

names=(flash code const arena)
measured=0 failed=0
: > "$work/table"
while IFS= read -r line; do
  read -r model target f c r a opts <<<"$line" || true
  if [[ -z "$model" || "$model" == \#* ]] || { [ "$which" = shared ] && [[ "$model" != shared/* ]]; } ||
     { [ "$which" = bundled ] && [[ "$model" == shared/* ]]; }; then
    echo "$line" >> "$work/table"; continue
  fi
  dir=$src/$model
  [[ "$model" != shared/* ]] || dir=$shared/${model#shared/}
  if [ ! -f "$dir/model.onnx" ]; then
    echo "SKIPPED $model $target: $dir/model.onnx not found"
    echo "$line" >> "$work/table"; continue
  fi
  # shellcheck disable=SC2086  # opts are words: --shape NAME=1x2
  new=($(measure "$dir" "$target" $opts)) || { echo "FAIL $model $target: could not measure"; failed=$((failed + 1)); echo "$line" >> "$work/table"; continue; }
  measured=$((measured + 1))
  old=($f $c $r $a)
  verdict=ok notes=""
  for i in 0 1 2 3; do
    if ! [[ "${old[$i]:-}" =~ ^[0-9]+$ ]]; then verdict=FAIL notes+=" ${names[$i]}: no budget yet;"
    elif [ $((new[i] * 100)) -gt $((old[i] * 103)) ]; then verdict=FAIL notes+=" ${names[$i]} ${old[$i]} -> ${new[$i]} (+$(((new[i] - old[i]) * 100 / (old[i] > 0 ? old[i] : 1)))%);"
    elif [ "${new[$i]}" != "${old[$i]}" ]; then notes+=" ${names[$i]} ${old[$i]} -> ${new[$i]};"
    fi
  done
  [ "$update" = 1 ] && verdict=updated
  [ "$verdict" != FAIL ] || failed=$((failed + 1))
  printf '%-8s %-42s %-11s flash %7d  code %6d  const %7d  arena %7d %s\n' "$verdict" "$model" "$target" "${new[@]}" "$notes"
  printf '%-42s %-11s %8d %7d %8d %8d%s\n' "$model" "$target" "${new[@]}" "${opts:+ $opts}" >> "$work/table"
done < "$table"

if [ "$update" = 1 ]; then
  cp "$work/table" "$table"
  echo "wrote $table: review the change and commit it"
elif [ "$failed" -gt 0 ]; then
  echo "$failed over budget (more than 3% above tests/budgets/sizes.txt). If the growth is intended:"
  echo "  tools/update-budgets.sh   (= ONNX2MCU_UPDATE_BUDGETS=1 ctest -L budget -j1), then commit tests/budgets/sizes.txt"
fi
[ "$measured" -gt 0 ] || exit 77
[ "$failed" -eq 0 ]
