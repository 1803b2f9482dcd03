#!/usr/bin/env bash
# example.sh firmware|firmware-riscv|host BUILD_DIR SOURCE_DIR GENERATOR
# What a user does, from this build tree: cmake --install into a temp prefix, configure
# examples/<kind> against it with find_package (firmware: cross, Cortex-M4 toolchain from the
# install; firmware-riscv: examples/firmware for virt-rv32imac with the RV32IMAC toolchain), build it, run it (QEMU for firmware) and check every digit is classified right.
# Then the rebuild rules: touching the model or the generator regenerates (with Make, also
# rebuilds; with Ninja, byte-identical output recompiles nothing); a build with nothing
# touched, also after a re-configure, rewrites nothing.
set -euo pipefail
kind=$1 build=$(realpath "$2") src=$(realpath "$3") generator=$4
case $kind in
  firmware) tools="arm-none-eabi-g++ qemu-system-arm" ;;
  firmware-riscv) tools="riscv64-unknown-elf-g++ qemu-system-riscv32" ;;
  *) tools="" ;;
esac
for tool in $tools; do
  command -v $tool >/dev/null || { echo "SKIPPED: $tool not found (tools/setup-debian.sh installs it)"; exit 77; }
done
example=${kind%-riscv}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix=$work/prefix b=$work/build
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }

step "install into $prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
# A copy, so touching it below leaves the repository alone.
cp "$src/models/digits/model.onnx" "$work/model.onnx"

step "configure examples/$example ($kind)"
args=(-G "$generator" -DCMAKE_PREFIX_PATH="$prefix" -DDIGITS_MODEL="$work/model.onnx")
[ "$kind" != firmware ] || args+=(-DCMAKE_TOOLCHAIN_FILE="$prefix/share/onnx2mcu/cmake/toolchains/arm-none-eabi-cortex-m4.cmake")
[ "$kind" != firmware-riscv ] ||
  args+=(-DBOARD=virt-rv32imac -DCMAKE_TOOLCHAIN_FILE="$prefix/share/onnx2mcu/cmake/toolchains/riscv64-unknown-elf-riscv32-imac.cmake")
cmake -S "$src/examples/$example" -B "$b" "${args[@]}" > "$work/configure.log" || { cat "$work/configure.log"; fail "configure"; }
gen_dir=$b/onnx2mcu/digits
[ -f "$gen_dir/digits.cpp" ] || fail "configure did not generate $gen_dir/digits.cpp (IDEs need it before the build)"

step "build and run"
cmake --build "$b" --target run > "$work/run.log" 2>&1 || { cat "$work/run.log"; fail "build or run failed"; }
grep -E "^sample|^correct" "$work/run.log"
grep -q "^correct: 10 of 10$" "$work/run.log" || fail "not every sample was classified correctly"
if [ "$kind" = firmware ]; then
  arm-none-eabi-readelf -h "$b/digits_fw.elf" | grep -q "Machine: *ARM" || fail "digits_fw.elf is not an Arm program"
fi
if [ "$kind" = firmware-riscv ]; then
  riscv64-unknown-elf-readelf -h "$b/digits_fw.elf" | grep -q "Machine: *RISC-V" || fail "digits_fw.elf is not a RISC-V program"
  riscv64-unknown-elf-readelf -h "$b/digits_fw.elf" | grep -q "Class: *ELF32" || fail "digits_fw.elf is not RV32"
fi

# rebuild [FILE]: touches FILE (if given), builds, and prints the files the build rewrote.
stamp=$work/stamp
rebuild() {
  touch "$stamp"
  sleep 1  # coarse file-system clocks: make the touch below strictly newer than the stamp
  [ -z "${1:-}" ] || touch "$1"
  cmake --build "$b" > "$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "rebuild failed"; }
  find "$b" -type f -newer "$stamp" \( -path "$gen_dir/*" -o -name '*.o' -o -name '*.obj' -o -name '*.elf' -o -name digits_host \) | sort
}
# The generator runs (its manifest is rewritten). It leaves byte-identical files untouched:
# Ninja restats them and recompiles nothing; Make's rules for the other outputs of the custom
# command touch them, so Make recompiles and relinks.
must_regenerate() {
  local changed=$1 f
  grep -qx "$gen_dir/onnx2mcu.manifest" <<<"$changed" || fail "the generator did not run (onnx2mcu.manifest not rewritten)"
  if [[ "$generator" == Ninja* ]]; then
    ! grep -qx "$gen_dir/digits.cpp" <<<"$changed" || fail "the unchanged digits.cpp was rewritten"
    ! grep -q 'digits\.cpp\.o' <<<"$changed" || fail "the unchanged digits.cpp was recompiled"
    return
  fi
  for f in $(cat "$gen_dir/onnx2mcu.manifest"); do
    grep -qx "$gen_dir/$f" <<<"$changed" || fail "$f was not regenerated"
  done
  grep -q 'digits\.cpp\.o' <<<"$changed" || fail "digits.cpp was not recompiled"
  grep -qE 'digits_fw\.elf$|digits_host$' <<<"$changed" || fail "not relinked"
}

step "touch the model: regenerate (Make: recompile, relink)"
changed=$(rebuild "$work/model.onnx")
must_regenerate "$changed"
step "touch the generator: the same"
changed=$(rebuild "$prefix/bin/onnx2mcu")
must_regenerate "$changed"
step "nothing touched: nothing rebuilt"
changed=$(rebuild)
[ -z "$changed" ] || fail "a no-op build rewrote: $changed"
step "re-configure, then build: nothing rebuilt"
cmake "$b" > "$work/configure.log" || fail "re-configure"
changed=$(rebuild)
[ -z "$changed" ] || fail "re-configuring made the build rewrite: $changed"
echo "ok: examples/$example ($kind)"
