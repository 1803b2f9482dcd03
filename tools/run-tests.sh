#!/usr/bin/env bash
# Builds onnx2mcu and runs the whole test suite (unit, kernels, e2e on host and Cortex-M in QEMU).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
cd "$build"
ctest -j"$(nproc)" --output-on-failure "$@"
