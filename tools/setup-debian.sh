#!/usr/bin/env bash
# Installs what onnx2mcu needs to build, test and demo on Debian 12 (all Debian packages).
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
packages=(
  cmake g++ make pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev libcli11-dev libgtest-dev   # the generator
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm  # Cortex-M
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc  # RV32 (picolibc: no C++ library; qemu-system-riscv32)
  python3 python3-onnx python3-numpy python3-sklearn   # test-model scripts
  libonnx-testdata valgrind binutils                   # conformance data, benchmarks
  clang libclang-rt-14-dev cppcheck                    # fuzzing, sanitizers, static analysis (docs/reliability.md)
)
# Node.js and npm for ONNX Runtime (the differential test, tools/ort): Debian's packages, unless
# a Node.js that brings its own npm is installed already (a nodesource nodejs conflicts with npm).
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "setup: all packages present"
# ONNX Runtime (CPU, from npm; the native library is inside the package) for the differential
# test, into tools/ort/node_modules (git-ignored). The version is pinned in tools/ort/package.json.
ort="$(dirname "$0")/ort"
if [ ! -d "$ort/node_modules/onnxruntime-node" ]; then
  echo "setup: installing onnxruntime-node into $ort/node_modules"
  (cd "$ort" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund >/dev/null)
fi
echo "setup: onnxruntime-node present"
