#!/usr/bin/env bash
# run_fuzz.sh FUZZ_EXE|- SECONDS SOURCE_DIR BUILD_DIR MAKE_CORPUS
# Runs the libFuzzer target for SECONDS, seeded with the project's models and the malformed
# corpus. With "-" (a gcc build) it first builds the target in BUILD_DIR/fuzz with clang;
# without clang or libFuzzer it reports SKIPPED (exit 77). Crashing inputs are kept in
# BUILD_DIR/fuzz-findings/ for triage; the test fails when there is one.
set -uo pipefail
exe=$1 seconds=$2 src=$(realpath "$3") build=$(realpath "$4") make_corpus=$5
findings=$build/fuzz-findings
if [ "$exe" = "-" ]; then
  if ! command -v clang++ >/dev/null || ! command -v clang >/dev/null; then
    echo "SKIPPED: clang++ is not installed (tools/setup-debian.sh installs clang and libclang-rt-14-dev)"; exit 77
  fi
  probe=$(mktemp -d)
  echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' > "$probe/p.cpp"
  if ! clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>/dev/null; then
    rm -rf "$probe"; echo "SKIPPED: clang++ cannot link libFuzzer (install libclang-rt-14-dev)"; exit 77
  fi
  rm -rf "$probe"
  echo "building the fuzz target in $build/fuzz (clang++, ASan + UBSan + libFuzzer)"
  start=$(date +%s)
  if [ ! -f "$build/fuzz/CMakeCache.txt" ]; then
    CC=clang CXX=clang++ cmake -S "$src" -B "$build/fuzz" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNX2MCU_FUZZ=ON >/dev/null ||
      { echo "FAIL: configuring the fuzz build"; exit 1; }
  fi
  cmake --build "$build/fuzz" --target fuzz_compile -j"${FUZZ_BUILD_JOBS:-2}" >"$build/fuzz/build.log" 2>&1 ||
    { tail -30 "$build/fuzz/build.log"; echo "FAIL: building the fuzz target"; exit 1; }
  echo "built in $(($(date +%s) - start)) s"
  exe=$build/fuzz/tests/reliability/fuzz_compile
fi
[ -x "$exe" ] || { echo "FAIL: no fuzz target at $exe"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds=$work/seeds
mkdir -p "$seeds" "$work/new" "$findings"
cp "$src/models/digits/model.onnx" "$seeds/digits.onnx"
cp "$src/models/sine/model.onnx" "$seeds/sine.onnx"
if "$make_corpus" "$work/corpus" "$src/models/digits/model.onnx" "$src/models/sine/model.onnx" >/dev/null; then
  # Regular files under 1 MiB only: the fuzzer mutates bytes, folders and FIFOs mean nothing to it.
  find "$work/corpus/cases" -maxdepth 1 -type f -name '*.onnx' -size -1024k -exec cp {} "$seeds/" \;
fi
[ -d "$src/tests/reliability/regressions" ] && cp "$src"/tests/reliability/regressions/* "$seeds/" 2>/dev/null
echo "seeds: $(ls "$seeds" | wc -l) files; fuzzing for $seconds s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$exe" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1 \
  -artifact_prefix="$findings/" "$work/new" "$seeds" >"$work/log" 2>&1
rc=$?
grep -E "^(#[0-9]+ +DONE|Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)" "$work/log"
if [ $rc -ne 0 ]; then
  grep -E "ERROR|SUMMARY|runtime error|==[0-9]+==|#[0-9]+ 0x|Test unit written" "$work/log" | head -60
  echo "FAIL: the fuzzer found a crash (exit $rc); the input is in $findings/"
  exit 1
fi
echo "ok: no crash in $seconds s"
