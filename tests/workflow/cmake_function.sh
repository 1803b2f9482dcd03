#!/usr/bin/env bash
# cmake_function.sh ONNX2MCU SOURCE_DIR GENERATOR
# onnx2mcu_add_model from a checkout (include(cmake/Onnx2mcuGenerate.cmake) with
# ONNX2MCU_EXECUTABLE): clear configure errors for a missing model, a bad model, an unknown
# TARGET_CPU or board, an unknown IO, IO native on a float model; a build-time failure shows the
# generator's message; and a model that needs other kernel headers updates the custom command's
# OUTPUT list on the next build.
set -uo pipefail
gen=$(realpath "$1") src=$(realpath "$2") generator=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok    $*"; }
bad() { failed=$((failed + 1)); echo "FAIL  $*"; }

mkdir -p "$work/p"
echo 'int main() { return 0; }' > "$work/p/main.cpp"
cat > "$work/p/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.20)
project(p LANGUAGES C CXX)
include("$src/cmake/Onnx2mcuGenerate.cmake")
add_executable(p main.cpp)
onnx2mcu_add_model(TARGET p MODEL \${MODEL} NAME net \${EXTRA})
if(BOARD)
  onnx2mcu_add_cortex_m_runtime(p \${BOARD})
endif()
CMAKE
cp "$src/models/digits/model.onnx" "$work/model.onnx"

# configure_fails DESCRIPTION "text the error must show" -Dvar=value...
configure_fails() {
  local what=$1 want=$2
  shift 2
  rm -rf "$work/b"
  local out
  out=$(cmake -S "$work/p" -B "$work/b" -G "$generator" -DONNX2MCU_EXECUTABLE="$gen" "$@" 2>&1)
  local rc=$? flat
  flat=$(tr -s ' \n' '  ' <<<"$out")  # CMake wraps long messages
  if [ $rc -ne 0 ] && grep -qF -- "$want" <<<"$flat"; then ok "$what: ...$(grep -oF -- "$want" <<<"$flat" | head -1)..."
  else bad "$what: expected a configure error with '$want'"; echo "$out" | tail -5; fi
}
configure_fails "missing model" "model file not found: $work/nosuch.onnx" -DMODEL="$work/nosuch.onnx"
: > "$work/empty.onnx"
configure_fails "bad model" "generation failed (onnx2mcu exit 1): onnx2mcu: error: $work/empty.onnx" -DMODEL="$work/empty.onnx"
configure_fails "unknown TARGET_CPU" "unknown target 'cortex-m99'" -DMODEL="$work/model.onnx" "-DEXTRA=TARGET_CPU;cortex-m99"
configure_fails "unknown board" "unknown board 'nosuchboard'; known: mps2-an386" -DMODEL="$work/model.onnx" -DBOARD=nosuchboard
configure_fails "unknown IO" "IO is float or native, not 'int8'" -DMODEL="$work/model.onnx" "-DEXTRA=IO;int8"
# IO native reaches the generator: on a float model it has nothing to drop, which is an error.
configure_fails "IO native on a float model" "--io native: no input is quantized" -DMODEL="$work/model.onnx" "-DEXTRA=IO;native"
configure_fails "no generator" "generator not found" -DMODEL="$work/model.onnx" -DONNX2MCU_EXECUTABLE="$work/nosuch"

rm -rf "$work/b"
if cmake -S "$work/p" -B "$work/b" -G "$generator" -DONNX2MCU_EXECUTABLE="$gen" -DMODEL="$work/model.onnx" >/dev/null &&
   cmake --build "$work/b" >/dev/null; then ok "a good model configures and builds"; else bad "a good model"; fi

# The model changes into one with other ops: the build regenerates, files.txt changes, and the
# next build re-configures so OUTPUT lists exactly the new files.
cp "$src/models/sine/model.onnx" "$work/model.onnx"
cmake --build "$work/b" >/dev/null 2>&1
cmake --build "$work/b" > "$work/second.log" 2>&1
want=$(sort "$work/b/onnx2mcu/net/onnx2mcu.manifest")
have=$(sort "$work/b"/CMakeFiles/onnx2mcu/net-*/files.txt)
if [ "$want" = "$have" ] && ! grep -q conv.hpp <<<"$have"; then ok "a new set of kernel headers reaches OUTPUT"
else bad "files.txt does not follow the manifest: $have"; fi
if [ ! -e "$work/b/onnx2mcu/net/kernels/conv.hpp" ]; then ok "no stale kernel header left behind"; else bad "stale conv.hpp"; fi

# NO_STATIC_ARENA: the program owns the arena; the target sees NET_NO_STATIC_ARENA and links no net_run.
mkdir -p "$work/q"
cat > "$work/q/main.cpp" <<'CPP'
#include "net.h"
#ifndef NET_NO_STATIC_ARENA
#error NET_NO_STATIC_ARENA is not defined
#endif
alignas(NET_ARENA_ALIGN) static unsigned char arena[NET_ARENA_BYTES];
static float in[NET_INPUT_0_ELEMS], out[NET_OUTPUT_0_ELEMS];
int main() { return net_run_with_arena(arena, in, out); }
CPP
sed -E 's/\bp\b/q/g' "$work/p/CMakeLists.txt" > "$work/q/CMakeLists.txt"
if cmake -S "$work/q" -B "$work/bq" -G "$generator" -DONNX2MCU_EXECUTABLE="$gen" -DMODEL="$src/models/digits/model.onnx" \
     -DEXTRA=NO_STATIC_ARENA >/dev/null && cmake --build "$work/bq" >/dev/null && "$work/bq/q" &&
   nm "$work/bq/q" | grep -qw net_run_with_arena && ! nm "$work/bq/q" | grep -qw net_run; then
  ok "NO_STATIC_ARENA: net_run_with_arena on the program's arena, no net_run"
else bad "NO_STATIC_ARENA"; fi

head -c 3000 "$src/models/digits/model.onnx" > "$work/model.onnx"
out=$(cmake --build "$work/b" 2>&1)
if [ $? -ne 0 ] && grep -q "generation failed" <<<"$out" && grep -q "corrupt or truncated" <<<"$out"; then
  ok "a model broken after configure fails the build with the generator's message"
else bad "build-time failure"; echo "$out" | tail -5; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
