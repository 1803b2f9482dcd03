#!/usr/bin/env bash
# control_flow_models.sh ONNX2MCU TARGET: models whose control flow is decided by the input
# (make_control_flow_models.py: run-time Ifs, a Loop with a run-time trip count and early exit, one
# growing a sequence, a
# Scan recurrent cell, sequences with run-time positions, split sizes and element count, an optional present or
# not at run time) compile to code with
# that construct (marker.txt: `} else {`, `for (; `),
# and `verify` on TARGET (host, or cortex-m4 in QEMU) gives the expected outputs on every path.
# Exit 77 (skipped) for cortex-m4 without arm-none-eabi-g++ or qemu-system-arm.
set -uo pipefail
gen=$(realpath "$1") target=$2
if [ "$target" != host ] && ! { command -v arm-none-eabi-g++ && command -v qemu-system-arm; } >/dev/null; then
  echo "SKIPPED: arm-none-eabi-g++ or qemu-system-arm is not installed"; exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 "$(dirname "$0")/make_control_flow_models.py" "$work" || { echo "FAIL: could not write the models"; exit 1; }
passed=0 failed=0
# host_program LABEL GEN MAIN MODEL: builds MAIN with GEN/MODEL.cpp (warnings are errors), runs it
# and counts the result; the program's last line says what it checked.
host_program() {
  if g++ -std=c++17 -Wall -Wextra -Werror -I"$2" "$3" "$2/$4.cpp" -o "$work/prog" >>"$work/log" 2>&1 && "$work/prog" >>"$work/log" 2>&1; then
    passed=$((passed + 1)); echo "ok    $1: $(tail -1 "$work/log")"
  else
    failed=$((failed + 1)); echo "FAIL  $1"; sed 's/^/      /' "$work/log"
  fi
}
for dir in "$work"/*/; do
  name=$(basename "$dir")
  ok=1
  flags=$(cat "$dir/flags.txt" 2>/dev/null || true)
  # shellcheck disable=SC2086  # flags are words
  "$gen" compile "$dir/model.onnx" -o "$work/gen_$name" $flags >"$work/log" 2>&1 || ok=0
  # Decided in the generated code, not folded: the marker (`} else {` per If, `for (; ` per Loop).
  marker=$(cat "$dir/marker.txt" 2>/dev/null || true) found=0
  if [ -n "$marker" ]; then
    found=$(grep -cF "$marker" "$work/gen_$name/$name.cpp" 2>/dev/null || true)
    [ "$found" -ge 1 ] || { echo "no '$marker' in $name.cpp: not decided at run time" >>"$work/log"; ok=0; }
  fi
  # The report counts the branches' weights as the generated code holds them.
  said=$(sed -nE 's/.*weights ([0-9]+) B.*/\1/p' "$work/log") holds=$(sed -nE 's/.*_WEIGHT_BYTES ([0-9]+)u.*/\1/p' "$work/gen_$name/$name.h")
  [ -n "$said" ] && [ "$said" = "$holds" ] || { echo "report says $said weight bytes, the header $holds" >>"$work/log"; ok=0; }
  [ "$(wc -l <"$dir/paths.txt")" -ge 2 ] || { echo "the test data take fewer than 2 paths" >>"$work/log"; ok=0; }
  # shellcheck disable=SC2086
  "$gen" verify "$dir/model.onnx" --data "$dir" --target "$target" $flags >>"$work/log" 2>&1 || ok=0
  if [ "$ok" = 1 ]; then
    passed=$((passed + 1)); echo "ok    $name ($found x '${marker:-none}'; paths: $(tr '\n' ' ' <"$dir/paths.txt"))"
  else
    failed=$((failed + 1)); echo "FAIL  $name"; sed 's/^/      /' "$work/log"
  fi
done
# Past its bound a run-time Loop returns <NAME>_ERROR_LOOP_BOUND and writes no row past its
# capacity; within it, 0 and the row count (host only: a program of our own around the model).
if [ "$target" = host ]; then
  loop="$work/loop_runtime_trips_early_exit/model.onnx" bound="$work/bound"
  cat >"$work/bound_main.cpp" <<'EOF'
#include <stdio.h>
#include "bounded.h"
int main() {
  float x[4] = {0.01f, 0.01f, 0.01f, 0.01f}, h[4];
  float rows[BOUNDED_OUTPUT_1_ELEMS + 4];
  for (float& r : rows) r = -1.f;
  int64_t five = 5, two = 2;
  uint32_t len = 99;
  const int over = bounded_run(x, &five, h, rows, &len);
  bool canary = true;
  for (unsigned i = BOUNDED_OUTPUT_1_ELEMS; i < BOUNDED_OUTPUT_1_ELEMS + 4; ++i) canary = canary && rows[i] == -1.f;
  const int within = bounded_run(x, &two, h, rows, &len);
  printf("5 iterations: returns %d (canary %s); 2 iterations: returns %d, %u rows\n", over, canary ? "intact" : "overwritten",
         within, static_cast<unsigned>(len));
  return !(over == BOUNDED_ERROR_LOOP_BOUND && canary && within == 0 && len == 2);
}
EOF
  "$gen" compile "$loop" -o "$bound" --name bounded --max-loop-iterations 2 >"$work/log" 2>&1
  host_program "loop bound" "$bound" "$work/bound_main.cpp" bounded
  # Split sizes past an element's capacity (4 rows) return <NAME>_ERROR_SIZE and write no row
  # past it; sizes that fit return 0 and each element's row count.
  split="$work/gen_sequence_runtime_split"
  cat >"$work/split_main.cpp" <<'EOF'
#include <stdio.h>
#include "sequence_runtime_split.h"
int main() {
  const float x[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  float a[SEQUENCE_RUNTIME_SPLIT_OUTPUT_0_ELEMS + 4], b[SEQUENCE_RUNTIME_SPLIT_OUTPUT_1_ELEMS + 4];
  for (float& v : a) v = -1.f;
  for (float& v : b) v = -1.f;
  const int64_t too_many[2] = {5, -1}, fit[2] = {1, 3};
  uint32_t len_a = 99, len_b = 99;
  const int over = sequence_runtime_split_run(x, too_many, a, b, &len_a, &len_b);
  bool canary = true;
  for (unsigned i = 12; i < 16; ++i) canary = canary && a[i] == -1.f && b[i] == -1.f;
  const int within = sequence_runtime_split_run(x, fit, a, b, &len_a, &len_b);
  printf("sizes 5,-1: returns %d (canary %s); sizes 1,3: returns %d, rows %u and %u, b starts at %g\n", over,
         canary ? "intact" : "overwritten", within, static_cast<unsigned>(len_a), static_cast<unsigned>(len_b), b[0]);
  return !(over == SEQUENCE_RUNTIME_SPLIT_ERROR_SIZE && canary && within == 0 && len_a == 1 && len_b == 3 && a[2] == 2.f && b[0] == 3.f);
}
EOF
  : >"$work/log"
  host_program "split size bound" "$split" "$work/split_main.cpp" sequence_runtime_split
  # One run-time split size along axis 1: size 2 fills 3 of the 5 elements, packed (2, 2 and 1
  # columns of x's 2 rows); size 0 returns <NAME>_ERROR_SIZE and writes nothing past any buffer.
  count="$work/gen_sequence_runtime_count"
  cat >"$work/count_main.cpp" <<'EOF'
#include <stdio.h>
#include "sequence_runtime_count.h"
int main() {
  const float x[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  float p0[SEQUENCE_RUNTIME_COUNT_OUTPUT_0_ELEMS + 4], p1[SEQUENCE_RUNTIME_COUNT_OUTPUT_1_ELEMS + 4], p2[SEQUENCE_RUNTIME_COUNT_OUTPUT_2_ELEMS + 4],
      p3[SEQUENCE_RUNTIME_COUNT_OUTPUT_3_ELEMS + 4], p4[SEQUENCE_RUNTIME_COUNT_OUTPUT_4_ELEMS + 4];
  float* parts[5] = {p0, p1, p2, p3, p4};
  const unsigned elems[5] = {SEQUENCE_RUNTIME_COUNT_OUTPUT_0_ELEMS, SEQUENCE_RUNTIME_COUNT_OUTPUT_1_ELEMS, SEQUENCE_RUNTIME_COUNT_OUTPUT_2_ELEMS,
                             SEQUENCE_RUNTIME_COUNT_OUTPUT_3_ELEMS, SEQUENCE_RUNTIME_COUNT_OUTPUT_4_ELEMS};
  for (int k = 0; k < 5; ++k)
    for (unsigned i = 0; i < elems[k] + 4; ++i) parts[k][i] = -1.f;
  int64_t count = 99, zero = 0, two = 2;
  uint32_t len[5] = {99, 99, 99, 99, 99};
  const int bad = sequence_runtime_count_run(x, &zero, p0, p1, p2, p3, p4, &count, &len[0], &len[1], &len[2], &len[3], &len[4]);
  bool canary = true;
  for (int k = 0; k < 5; ++k)
    for (unsigned i = elems[k]; i < elems[k] + 4; ++i) canary = canary && parts[k][i] == -1.f;
  const int ok = sequence_runtime_count_run(x, &two, p0, p1, p2, p3, p4, &count, &len[0], &len[1], &len[2], &len[3], &len[4]);
  printf("size 0: returns %d (canary %s); size 2: returns %d, %lld elements of %u, %u, %u columns, the last [%g, %g]\n", bad,
         canary ? "intact" : "overwritten", ok, static_cast<long long>(count), static_cast<unsigned>(len[0]), static_cast<unsigned>(len[1]),
         static_cast<unsigned>(len[2]), p2[0], p2[1]);
  return !(bad == SEQUENCE_RUNTIME_COUNT_ERROR_SIZE && canary && ok == 0 && count == 3 && len[0] == 2 && len[1] == 2 && len[2] == 1 &&
           p1[0] == 2.f && p1[1] == 3.f && p1[2] == 7.f && p1[3] == 8.f && p2[0] == 4.f && p2[1] == 9.f);
}
EOF
  : >"$work/log"
  host_program "split count bound" "$count" "$work/count_main.cpp" sequence_runtime_count
  # A Loop growing a sequence past its bound (4) returns <NAME>_ERROR_LOOP_BOUND and writes no
  # value past any element; 3 iterations fill x, x[:1], x[:2], x[:3] (count 4; the last empty).
  grow="$work/gen_loop_grows_sequence"
  cat >"$work/grow_main.cpp" <<'EOF'
#include <stdio.h>
#include "loop_grows_sequence.h"
int main() {
  const float x[6] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f};
  float e0[LOOP_GROWS_SEQUENCE_OUTPUT_0_ELEMS + 4], e1[LOOP_GROWS_SEQUENCE_OUTPUT_1_ELEMS + 4], e2[LOOP_GROWS_SEQUENCE_OUTPUT_2_ELEMS + 4],
      e3[LOOP_GROWS_SEQUENCE_OUTPUT_3_ELEMS + 4], e4[LOOP_GROWS_SEQUENCE_OUTPUT_4_ELEMS + 4];
  float* elems[5] = {e0, e1, e2, e3, e4};
  for (int k = 0; k < 5; ++k)
    for (unsigned i = 0; i < 10; ++i) elems[k][i] = -1.f;
  int64_t count = 99, nine = 9, three = 3;
  uint32_t len[4] = {99, 99, 99, 99};
  const int over = loop_grows_sequence_run(x, &nine, e0, e1, e2, e3, e4, &count, &len[0], &len[1], &len[2], &len[3]);
  bool canary = true;
  for (int k = 0; k < 5; ++k)
    for (unsigned i = 6; i < 10; ++i) canary = canary && elems[k][i] == -1.f;
  const int ok = loop_grows_sequence_run(x, &three, e0, e1, e2, e3, e4, &count, &len[0], &len[1], &len[2], &len[3]);
  printf("9 iterations: returns %d (canary %s); 3 iterations: returns %d, %lld elements, lengths %u %u %u %u, the last [%g %g %g]\n", over,
         canary ? "intact" : "overwritten", ok, static_cast<long long>(count), static_cast<unsigned>(len[0]), static_cast<unsigned>(len[1]),
         static_cast<unsigned>(len[2]), static_cast<unsigned>(len[3]), e3[0], e3[1], e3[2]);
  return !(over == LOOP_GROWS_SEQUENCE_ERROR_LOOP_BOUND && canary && ok == 0 && count == 4 && len[0] == 1 && len[1] == 2 && len[2] == 3 &&
           len[3] == 0 && e3[0] == 0.1f && e3[1] == 0.2f && e3[2] == 0.3f);
}
EOF
  : >"$work/log"
  host_program "grown sequence bound" "$grow" "$work/grow_main.cpp" loop_grows_sequence
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
