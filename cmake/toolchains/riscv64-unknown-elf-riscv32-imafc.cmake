# Toolchain for an RV32IMAFC (single-precision FPU) with riscv64-unknown-elf-gcc: cmake -DCMAKE_TOOLCHAIN_FILE=<this file> (docs/cmake.md).
# The flags are the riscv32-imafc line of templates/targets/riscv/boards.txt (tests/workflow checks it).
set(O2M_CPU_FLAGS "-march=rv32imafc -mabi=ilp32f")
include("${CMAKE_CURRENT_LIST_DIR}/riscv64-unknown-elf.cmake")
