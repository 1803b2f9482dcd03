#!/usr/bin/env bash
# riscv_build.sh ONNX2MCU MODEL.onnx
# Portability of what users ship: the generated code of a one-input, one-output float-interface
# model builds and links for RV32IMAC with Debian's freestanding riscv64-unknown-elf-g++ and
# picolibc, which has no C++ library at all (no <type_traits>, no libstdc++): the kernels must
# need none. The caller is C99, so the header is checked as C too. Compile and link only; the
# rv32imafc object of a float model must use no double arithmetic.
set -euo pipefail
gen=$(realpath "$1") model=$(realpath -m "$2")
if [ ! -f "$model" ]; then echo "SKIPPED: $model not found"; exit 77; fi
for tool in riscv64-unknown-elf-g++ riscv64-unknown-elf-gcc; do
  command -v $tool >/dev/null || { echo "FAIL: $tool not found (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$gen" compile "$model" --name net -o "$work/gen" >/dev/null
cat > "$work/main.c" <<'C'
#include "net.h"
static float input[NET_INPUT_0_ELEMS];
static float output[NET_OUTPUT_0_ELEMS];
int main(void) { return net_run(input, output); }
C
arch="-march=rv32imac -mabi=ilp32 --specs=picolibc.specs"
riscv64-unknown-elf-g++ $arch -std=c++17 -O2 -fno-exceptions -fno-rtti -Wall -Wextra -Werror -I"$work/gen" -c "$work/gen/net.cpp" -o "$work/net.o"
riscv64-unknown-elf-gcc $arch -std=c99 -pedantic -O2 -Wall -Wextra -Werror -I"$work/gen" -c "$work/main.c" -o "$work/main.o"
# Memory as on QEMU's virt board (flash 0x20000000, RAM 0x80000000), sizes of a large MCU.
mem="-Wl,--defsym=__flash=0x20000000 -Wl,--defsym=__flash_size=0x400000 -Wl,--defsym=__ram=0x80000000 -Wl,--defsym=__ram_size=0x100000"
riscv64-unknown-elf-gcc $arch $mem --oslib=semihost "$work/net.o" "$work/main.o" -lm -o "$work/net.elf"
riscv64-unknown-elf-size "$work/net.elf"
# With a single-precision FPU (rv32imafc), float models must not compute in double: picolibc's
# C <math.h> alone has only double exp(double) & co. (kernels/float_math.hpp adds the float
# overloads), and every double operation would be a software routine.
riscv64-unknown-elf-g++ -march=rv32imafc -mabi=ilp32f --specs=picolibc.specs -std=c++17 -O2 -fno-exceptions -fno-rtti -Wall -Wextra \
  -Werror -I"$work/gen" -c "$work/gen/net.cpp" -o "$work/net_f.o"
double=$(riscv64-unknown-elf-nm -u "$work/net_f.o" | awk '{print $2}' |
  grep -E '^(__(add|sub|mul|div)df3|__extendsfdf2|__truncdfsf2|exp|log|log1p|sqrt|tanh|pow|floor|ceil|round|erf|sin|cos)$' || true)
if [ -n "$double" ]; then echo "FAIL: the rv32imafc build of a float model computes in double: $(echo $double)"; exit 1; fi
echo "ok: $(basename "$(dirname "$model")") builds and links for rv32imac with picolibc"
