#!/usr/bin/env bash
# shared_arena.sh ONNX2MCU SOURCE_DIR TARGET (host or cortex-m4)
# Memory placement and caller-owned arenas (docs/api.md), on two models of different kernel sets
# (the digits CNN, a GRU: make_two_models.py):
# - by default each object has its weights in .rodata.<name>.weights and its static arena, of
#   <NAME>_ARENA_BYTES, in .bss.<name>.arena; an overriding <NAME>_ARENA_ATTR replaces the section;
# - with <NAME>_NO_STATIC_ARENA the objects have no .data or .bss at all (no mutable state outside
#   the arena a caller passes) and no <name>_run;
# - one program (shared_main.cpp) runs both models on one arena it owns, and digits on a second
#   arena in between, scribbling over the arenas between runs: all outputs match the references.
# On cortex-m4 that program is a firmware run in QEMU, linked by a linker script that puts
# *(.bss.*.arena) and *(.rodata.*.weights) in output sections of their own: the link map shows
# each input section there. Prints the arena bytes shared and separate.
# Exit 77 (skipped) for cortex-m4 without arm-none-eabi-g++ or qemu-system-arm.
set -euo pipefail
gen=$(realpath "$1") src=$(realpath "$2") target=$3
tpl="$src/templates/targets/cortex-m"
if [ "$target" = host ]; then
  cxx=(g++ -std=c++17 -O2 -Wall -Wextra -Werror) cc=(gcc -std=c11 -O2) tool=""
else
  if ! { command -v arm-none-eabi-g++ && command -v qemu-system-arm; } >/dev/null; then
    echo "SKIPPED: arm-none-eabi-g++ or qemu-system-arm is not installed"; exit 77
  fi
  board=mps2-an386
  read -r -a mflags <<<"$(awk -v b="$board" '$1 == b { for (i = 4; i <= NF; ++i) printf "%s ", $i }' "$tpl/boards.txt")"
  cxx=(arm-none-eabi-g++ -mthumb "${mflags[@]}" -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables
       -ffunction-sections -fdata-sections -O2 -Wall -Wextra -Werror)
  cc=(arm-none-eabi-gcc -mthumb "${mflags[@]}" -std=c11 -ffunction-sections -fdata-sections -O2 -DRIG_QUIET)
  tool=arm-none-eabi-
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

/usr/bin/python3 "$(dirname "$0")/make_two_models.py" "$work" "$src/models/digits"
"$gen" compile "$src/models/digits/model.onnx" --name digits -o "$work/digits" --quiet
"$gen" compile "$work/gru/model.onnx" --name gru -o "$work/gru_gen" --quiet
# macro NAME MACRO: the value of a size macro in NAME's header
macro() { sed -nE "s/^#define $2 ([0-9]+)u.*/\1/p" "$work"/*/"$1.h"; }
# section_size OBJECT SECTION: its size in bytes as objdump -h prints it (empty: no such section)
section_size() {
  local hex
  hex=$("${tool}objdump" -h "$1" | awk -v s="$2" '$2 == s { print $3 }')
  [ -z "$hex" ] || echo $((16#$hex))
}

for m in digits gru; do
  M=${m^^} dir="$work/$m"
  [ "$m" = digits ] || dir="$work/gru_gen"
  arena=$(macro "$m" "${M}_ARENA_BYTES") weights=$(macro "$m" "${M}_WEIGHT_BYTES")
  # The default: sections of its own a linker script can match.
  "${cxx[@]}" -I"$dir" -c "$dir/$m.cpp" -o "$work/$m.o"
  [ "$(section_size "$work/$m.o" ".bss.$m.arena")" = "$arena" ] || fail "$m.o: no .bss.$m.arena of $arena bytes"
  w=$(section_size "$work/$m.o" ".rodata.$m.weights")
  [ -n "$w" ] && [ "$w" -ge "$weights" ] && [ "$w" -lt $((weights + 16 * 64)) ] || fail "$m.o: .rodata.$m.weights is '$w' bytes, weights $weights"
  "${tool}nm" "$work/$m.o" | grep -qE " T ${m}_run$" || fail "$m.o defines no ${m}_run"
  echo "ok: $m.o has .bss.$m.arena ($arena B) and .rodata.$m.weights ($w B for $weights B of weights)"
  # An attribute of the user's own replaces the section.
  "${cxx[@]}" -I"$dir" "-D${M}_ARENA_ATTR=__attribute__((section(\".bss.mine\")))" -c "$dir/$m.cpp" -o "$work/$m.mine.o"
  [ "$(section_size "$work/$m.mine.o" .bss.mine)" = "$arena" ] && [ -z "$(section_size "$work/$m.mine.o" ".bss.$m.arena")" ] ||
    fail "-D${M}_ARENA_ATTR does not move the arena to .bss.mine"
  echo "ok: -D${M}_ARENA_ATTR=__attribute__((section(\".bss.mine\"))) puts the arena there"
  # No static arena: nothing mutable in the object (no .data, no .bss), and no <name>_run.
  "${cxx[@]}" -I"$dir" -D"${M}_NO_STATIC_ARENA" -c "$dir/$m.cpp" -o "$work/$m.shared.o"
  ram=$("${tool}size" -A "$work/$m.shared.o" | awk '$1 ~ /^\.(data|bss)/ && $2 > 0 { print $1 "=" $2 }')
  [ -z "$ram" ] || fail "with ${M}_NO_STATIC_ARENA, $m.o still has mutable data: $ram"
  ! "${tool}nm" "$work/$m.shared.o" | grep -qE " ${m}_run$" || fail "with ${M}_NO_STATIC_ARENA, $m.o still defines ${m}_run"
  echo "ok: with ${M}_NO_STATIC_ARENA, $m.o has no .data or .bss bytes and no ${m}_run"
done

# The same for models with run-time If, Loop and Scan (their state and scratch live in the arena).
/usr/bin/python3 "$(dirname "$0")/make_control_flow_models.py" "$work/cf" >/dev/null
models=("$work"/cf/*/model.onnx)
for model in "${models[@]}"; do
  name=$(basename "$(dirname "$model")")
  # shellcheck disable=SC2046  # flags are words
  "$gen" compile "$model" --name cf -o "$work/cf_$name" --quiet $(cat "$(dirname "$model")/flags.txt" 2>/dev/null || true)
  "${cxx[@]}" -I"$work/cf_$name" -DCF_NO_STATIC_ARENA -c "$work/cf_$name/cf.cpp" -o "$work/cf.o"
  ram=$("${tool}size" -A "$work/cf.o" | awk '$1 ~ /^\.(data|bss)/ && $2 > 0 { print $1 "=" $2 }')
  [ -z "$ram" ] || fail "$name with CF_NO_STATIC_ARENA has mutable data: $ram"
done
echo "ok: ${#models[@]} control-flow models with CF_NO_STATIC_ARENA have no .data or .bss bytes"

defs=(-DDIGITS_NO_STATIC_ARENA -DGRU_NO_STATIC_ARENA)
"${cxx[@]}" "${defs[@]}" -I"$work/digits" -I"$work/gru_gen" -I"$tpl" -c "$work/shared_main.cpp" -o "$work/shared_main.o"
objs=("$work/shared_main.o" "$work/digits.shared.o" "$work/gru.shared.o")
if [ "$target" = host ]; then
  "${cc[@]}" -I"$tpl" -c "$tpl/rig_host.c" -o "$work/rig.o"
  g++ "${objs[@]}" "$work/rig.o" -o "$work/shared"
  "$work/shared" | tee "$work/out"
else
  for f in startup syscalls rig; do "${cc[@]}" -c "$tpl/$f.c" -o "$work/$f.o"; done
  # A user's linker script: the board's, with the models' arenas and weights in sections of their own.
  mkdir "$work/ld"
  cp "$tpl/link-$board.ld" "$work/ld/"
  sed -e 's|^  \.rodata : |  .model_weights : ALIGN(16) { *(.rodata.*.weights) } > FLASH\n&|' \
      -e 's|^  \.bss (NOLOAD) : |  .model_arenas (NOLOAD) : ALIGN(16) { *(.bss.*.arena) } > RAM\n&|' \
      "$tpl/link-common.ld" > "$work/ld/link-common.ld"
  grep -q model_weights "$work/ld/link-common.ld" && grep -q model_arenas "$work/ld/link-common.ld" || fail "could not edit link-common.ld"
  link_fw() {  # link_fw OUT OBJECTS...: a firmware with its link map OUT.map
    local out=$1; shift
    arm-none-eabi-g++ -mthumb "${mflags[@]}" -nostartfiles --specs=nano.specs -Wl,--gc-sections -L"$work/ld" \
      -T "link-$board.ld" "-Wl,-Map=$out.map" "$@" "$work/startup.o" "$work/syscalls.o" "$work/rig.o" -lm -o "$out.elf"
  }
  link_fw "$work/shared" "${objs[@]}"
  # The map lists each model's weights and the program's arenas in the script's sections, no static arena.
  sections=$(awk '/^\.model_weights|^\.model_arenas/ { out = $1; next } /^\.[a-zA-Z]/ { out = "" }
                  out && $1 ~ /^\.(rodata|bss)\./ { print out, $1 }' "$work/shared.map" | sort -u)
  for want in ".model_weights .rodata.digits.weights" ".model_weights .rodata.gru.weights" \
              ".model_arenas .bss.shared.arena" ".model_arenas .bss.second.arena"; do
    grep -qxF "$want" <<<"$sections" || { echo "$sections"; fail "the link map has no '$want'"; }
  done
  ! grep -qE '\.bss\.(digits|gru)\.arena' "$work/shared.map" || fail "the link map has a static arena"
  echo "ok: link map: $(tr '\n' ';' <<<"$sections")"
  QEMU_TIMEOUT=${QEMU_TIMEOUT:-120} "$src/tools/run-qemu.sh" "$work/shared.elf" "$board" | tee "$work/out"
  # The same two models on their static arenas (a program that only calls them), for the sizes.
  printf '#include "digits.h"\n#include "gru.h"\nstatic float i[DIGITS_INPUT_0_ELEMS], o[DIGITS_OUTPUT_0_ELEMS], x[GRU_INPUT_0_ELEMS], %s\n%s\n' \
    'y[GRU_OUTPUT_0_ELEMS], h[GRU_OUTPUT_1_ELEMS];' 'int main() { return digits_run(i, o) + gru_run(x, y, h); }' > "$work/static_main.cpp"
  "${cxx[@]}" -I"$work/digits" -I"$work/gru_gen" -c "$work/static_main.cpp" -o "$work/static_main.o"
  link_fw "$work/static" "$work/static_main.o" "$work/digits.o" "$work/gru.o"
  grep -qE '^ \.bss\.digits\.arena' "$work/static.map" && grep -qE '^ \.bss\.gru\.arena' "$work/static.map" ||
    fail "the static firmware's map has no .bss.digits.arena and .bss.gru.arena"
  "$src/tools/run-qemu.sh" "$work/static.elf" "$board" >/dev/null || fail "the static-arena firmware failed"
  # shared: the common arena plus the second digits instance; static: each model's own.
  for f in shared static; do
    echo "$f firmware: .model_arenas $(section_size "$work/$f.elf" .model_arenas) B, .model_weights $(section_size "$work/$f.elf" .model_weights) B"
  done
  arm-none-eabi-size "$work/shared.elf" "$work/static.elf"
fi
grep -q '^ok: digits and gru on one arena' "$work/out" || fail "the shared-arena program"
