#!/usr/bin/env bash
# update-golden.sh [BUILD_DIR]: rewrites tests/golden/<model>/ from the current generator, after
# a change to generated code that is meant. Review `git diff tests/golden` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${BUILD_DIR:-build}}
cmake --build "$build" -j"$(nproc)" --target onnx2mcu
ONNX2MCU_UPDATE_GOLDEN=1 ctest --test-dir "$build" -R '^golden\.' --output-on-failure
git status --short tests/golden
