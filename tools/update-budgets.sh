#!/usr/bin/env bash
# update-budgets.sh [BUILD_DIR]: writes the current sizes into tests/budgets/sizes.txt, after a
# growth that is meant or to lock in a gain. Review `git diff tests/budgets` before committing.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-${BUILD_DIR:-build}}
cmake --build "$build" -j"$(nproc)" --target onnx2mcu
ONNX2MCU_UPDATE_BUDGETS=1 ctest --test-dir "$build" -L budget -j1 --output-on-failure
git diff --stat tests/budgets
