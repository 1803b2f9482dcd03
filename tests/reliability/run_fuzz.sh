#!/usr/bin/env bash
# run_fuzz.sh FUZZ_DIR|- SECONDS SOURCE_DIR BUILD_DIR MAKE_CORPUS
# Runs the two libFuzzer targets in FUZZ_DIR for SECONDS each: fuzz_compile seeded with the
# project's models, the malformed corpus and tests/reliability/regressions/, and fuzz_ops
# (structure-aware, builds its inputs from the ONNX schemas). With "-" (a gcc build) it first
# builds them in BUILD_DIR/fuzz with clang; without clang or libFuzzer it reports SKIPPED
# (exit 77). Crashing inputs are kept in BUILD_DIR/fuzz-findings/; the test fails on one.
set -uo pipefail
dir=$1 seconds=$2 src=$(realpath "$3") build=$(realpath "$4") make_corpus=$5
findings=$build/fuzz-findings
if [ "$dir" = "-" ]; then
  if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
    echo "SKIPPED: clang++ is not installed (tools/setup-debian.sh installs clang and libclang-rt-14-dev)"; exit 77
  fi
  probe=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
  if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
    rm -rf "$probe"; echo "SKIPPED: clang++ cannot link libFuzzer (install libclang-rt-14-dev)"; exit 77
  fi
  rm -rf "$probe"
  echo "building the fuzz targets in $build/fuzz (clang++, ASan + UBSan + libFuzzer)"
  start=$(date +%s)
  CC=clang CXX=clang++ cmake -S "$src" -B "$build/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNX2MCU_FUZZ=ON >/dev/null ||
    { echo "FAIL: configuring the fuzz build"; exit 1; }
  cmake --build "$build/fuzz" --target fuzz_compile fuzz_ops -j"${FUZZ_BUILD_JOBS:-2}" >"$build/fuzz/build.log" 2>&1 ||
    { tail -30 "$build/fuzz/build.log"; echo "FAIL: building the fuzz targets"; exit 1; }
  echo "built in $(($(date +%s) - start)) s"
  dir=$build/fuzz/tests/reliability
fi
for t in fuzz_compile fuzz_ops; do [ -x "$dir/$t" ] || { echo "FAIL: no fuzz target $dir/$t"; exit 1; }; done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=$work/seeds
mkdir -p "$seeds" "$work/new_compile" "$work/new_ops" "$findings"
cp "$src/models/digits/model.onnx" "$seeds/digits.onnx"
cp "$src/models/sine/model.onnx" "$seeds/sine.onnx"
if "$make_corpus" "$work/corpus" "$src/models/digits/model.onnx" "$src/models/sine/model.onnx" >/dev/null; then
  # Regular files under 1 MiB only: the fuzzer mutates bytes, folders and FIFOs mean nothing to it.
  find "$work/corpus/cases" -maxdepth 1 -type f -name '*.onnx' -size -1024k -exec cp {} "$seeds/" \;
fi
for f in "$src"/tests/reliability/regressions/fuzz_compile/*; do [ -f "$f" ] && cp "$f" "$seeds/"; done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
# Each target first replays its past findings (tests/reliability/regressions/TARGET/), then fuzzes.
# FUZZ_RUNS=N (CI sets it through ONNX2MCU_FUZZ_RUNS) fixes the run count and the seed, so CI
# explores the same inputs every time and a red run always reproduces; without it the run is
# time-boxed to SECONDS with a fresh seed, for exploring.
run() {  # run TARGET CORPUS_DIRS...
  local t=$1 rc
  shift
  local replay=("$src/tests/reliability/regressions/$t"/*)
  if [ -f "${replay[0]}" ]; then
    "$dir/$t" "${replay[@]}" >"$work/$t.replay.log" 2>&1
    rc=$?
    echo "$t: replayed ${#replay[@]} regression inputs (exit $rc)"
    if [ $rc -ne 0 ]; then
      grep -E "ERROR|SUMMARY|runtime error|Running: |uncaught" "$work/$t.replay.log" | head -20
      echo "FAIL: $t crashes on a regression input again"; failed=1; return
    fi
  fi
  local budget=(-max_total_time="$seconds")
  [ -n "${FUZZ_RUNS:-}" ] && budget=(-runs="$FUZZ_RUNS" -seed=1)
  echo "$t: $(ls "$@" | wc -l) seed files; fuzzing with ${budget[*]}"
  "$dir/$t" "${budget[@]}" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
    -artifact_prefix="$findings/$t-" "$@" >"$work/$t.log" 2>&1
  rc=$?
  grep -E "^(Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/$t.log" | sed "s/^/$t: /"
  if [ $rc -ne 0 ]; then
    grep -E "ERROR|SUMMARY|runtime error|==[0-9]+==|#[0-9]+ 0x|Test unit written|uncaught" "$work/$t.log" | head -60
    echo "FAIL: $t found a crash (exit $rc); the input is in $findings/ (fix it, then add it to tests/reliability/regressions/$t/)"
    failed=1
  fi
}
run fuzz_compile "$work/new_compile" "$seeds"
run fuzz_ops "$work/new_ops"
[ $failed -eq 0 ] && echo "ok: no crash"
exit $failed
