#!/usr/bin/env bash
# Builds onnx2mcu with ASan + UBSan in build-asan (the `asan` preset) and runs the unit, e2e and
# reliability tests under it: the generator, the test programs and the host harnesses that
# `onnx2mcu verify` builds all abort on the first sanitizer report.
# Extra arguments go to ctest (e.g. -L reliability to run one label).
# Env: BUILD_DIR (default build-asan), JOBS (default 2), SANITIZED_LABELS (ctest -L regex).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-asan}
jobs=${JOBS:-2}
labels=${SANITIZED_LABELS:-^(unit|e2e|reliability)$}
start=$(date +%s)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DONNX2MCU_SANITIZE=ON >/dev/null
# Only what the labels need: the generator and the unit and reliability test programs (the
# graph fuzzer and the conformance runner the differential test drives included; the
# e2e tests drive the generator and verify's harnesses, which inherit the sanitizer flags).
cmake --build "$build" -j"$jobs" --target onnx2mcu unit_tests make_corpus reliability_tests fuzz_graphs conformance_runner
built=$(date +%s)
# Leaks are reported (tools/lsan.supp is there for third-party ones; it needs none today).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Sanitized code is 2-5x slower: give each corpus case more time.
export RELIABILITY_SLOW_SECONDS=${RELIABILITY_SLOW_SECONDS:-15}
cd "$build"
rc=0
ctest -j"$jobs" --output-on-failure -L "$labels" "$@" || rc=$?
end=$(date +%s)
echo "sanitized build: $((built - start)) s, tests: $((end - built)) s"
exit $rc
