#!/usr/bin/env bash
# Installs what onnx2mcu needs to build, test and demo on Debian 12 (all Debian packages).
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
packages=(
  cmake g++ make pkg-config
  libonnx-dev libprotobuf-dev protobuf-compiler libfmt-dev libcli11-dev libgtest-dev   # the generator
  gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib qemu-system-arm  # Cortex-M
  python3 python3-onnx python3-numpy python3-sklearn   # test-model scripts
  libonnx-testdata valgrind binutils                   # conformance data, benchmarks
  clang libclang-rt-14-dev cppcheck                    # fuzzing, sanitizers, static analysis (docs/reliability.md)
)
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
