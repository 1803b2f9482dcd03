#!/usr/bin/env bash
# Builds onnx2mcu and runs the whole test suite (unit, kernels, e2e on host and Cortex-M in QEMU);
# with CI=true also the sanitized run (tools/run-sanitized-tests.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
# Tests labelled `long` (whole model-zoo networks) are documented commands, not part of this run.
(cd "$build" && ctest -j"$(nproc)" --output-on-failure -LE long "$@")
# In CI, the unit, e2e and reliability tests once more under ASan + UBSan (docs/reliability.md:
# about 20 minutes on 2 cores). ONNX2MCU_CI_SANITIZE=0 skips it.
if [ "${CI:-}" = true ] && [ "${ONNX2MCU_CI_SANITIZE:-1}" = 1 ]; then
  JOBS="$(nproc)" bash tools/run-sanitized-tests.sh
fi
