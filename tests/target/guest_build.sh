# guest_build.sh - sourced by the guest test scripts: checks the tools and defines
# build_guest BOARD SRC OUT_DIR, which builds SRC with the runtime of templates/targets/cortex-m
# for BOARD (its flags from boards.txt, -O2 -Wall -Wextra -Werror, then any in GUEST_CXXFLAGS) into OUT_DIR/prog.elf.
# Needs: gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tpl="$root/templates/targets/cortex-m"
for tool in arm-none-eabi-gcc arm-none-eabi-g++ qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "$(basename "$0"): $tool not found; see the Needs line in $0" >&2; exit 2; }
done

build_guest() {
  local board=$1 src=$2 out=$3 f
  local cxxflags=(-mthumb -std=c++17 -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables
                  -ffunction-sections -fdata-sections -O2 -Wall -Wextra -Werror)
  local cflags=(-mthumb -std=c11 -ffunction-sections -fdata-sections -O2 -Wall -Wextra)
  local ldflags=(-mthumb -nostartfiles --specs=nano.specs "-Wl,--gc-sections")
  local flags
  read -r -a flags <<<"$(awk -v b="$board" '$1 == b { for (i = 4; i <= NF; ++i) printf "%s ", $i }' "$tpl/boards.txt")"
  mkdir -p "$out"
  for f in startup syscalls rig; do
    arm-none-eabi-gcc "${cflags[@]}" "${flags[@]}" -DRIG_QUIET -c "$tpl/$f.c" -o "$out/$f.o" || return 1
  done
  local extra
  read -r -a extra <<<"${GUEST_CXXFLAGS:-}"
  arm-none-eabi-g++ "${cxxflags[@]}" "${flags[@]}" "${extra[@]}" -I"$root/templates" -I"$tpl" -c "$src" -o "$out/prog.o" || return 1
  arm-none-eabi-g++ "${ldflags[@]}" "${flags[@]}" -L"$tpl" -T "link-$board.ld" "$out/prog.o" "$out/startup.o" \
    "$out/syscalls.o" "$out/rig.o" -lm -o "$out/prog.elf"
}
