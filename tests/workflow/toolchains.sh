#!/usr/bin/env bash
# toolchains.sh SOURCE_DIR GENERATOR
# Every core in templates/targets/cortex-m/boards.txt has cmake/toolchains/arm-none-eabi-<cpu>.cmake,
# and every core in templates/targets/riscv/boards.txt riscv64-unknown-elf-<cpu>.cmake, with exactly
# that core's flags, and each toolchain file builds a C++17 library.
set -uo pipefail
src=$(realpath "$1") generator=$2
command -v arm-none-eabi-g++ >/dev/null || { echo "SKIPPED: arm-none-eabi-g++ not found"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
mkdir -p "$work/p"
cat > "$work/p/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.20)
project(p LANGUAGES C CXX)
add_library(p STATIC p.cpp)
target_compile_features(p PRIVATE cxx_std_17)
CMAKE
echo 'float dot(const float* a, const float* b, int n) { float s = 0; for (int i = 0; i < n; ++i) s += a[i] * b[i]; return s; }' > "$work/p/p.cpp"

while read -r prefix board cpu machine flags; do
  file=$src/cmake/toolchains/$prefix-$cpu.cmake
  [ ! -e "$work/seen-$cpu" ] || continue  # the first board of a core defines its flags, as in find_target()
  touch "$work/seen-$cpu"
  have=$(sed -n 's/^set(O2M_CPU_FLAGS "\(.*\)")$/\1/p' "$file" 2>/dev/null)
  if [ "$have" != "$flags" ]; then
    failed=$((failed + 1)); echo "FAIL  $file: flags '$have', boards.txt ($board) says '$flags'"; continue
  fi
  if cmake -S "$work/p" -B "$work/b-$cpu" -G "$generator" -DCMAKE_TOOLCHAIN_FILE="$file" >"$work/log" 2>&1 &&
     cmake --build "$work/b-$cpu" >>"$work/log" 2>&1; then
    passed=$((passed + 1)); echo "ok    $cpu: $flags"
  else
    failed=$((failed + 1)); echo "FAIL  $cpu: building with $file"; tail -20 "$work/log"
  fi
done < <(grep -v '^#' "$src/templates/targets/cortex-m/boards.txt" | grep . | sed 's/^/arm-none-eabi /'
         if command -v riscv64-unknown-elf-g++ >/dev/null; then
           grep -v '^#' "$src/templates/targets/riscv/boards.txt" | grep . | sed 's/^/riscv64-unknown-elf /'
         fi)
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
