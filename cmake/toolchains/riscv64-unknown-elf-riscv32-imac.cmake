# Toolchain for an RV32IMAC (no FPU, soft float) with riscv64-unknown-elf-gcc: cmake -DCMAKE_TOOLCHAIN_FILE=<this file> (docs/cmake.md).
# The flags are the riscv32-imac line of templates/targets/riscv/boards.txt (tests/workflow checks it).
set(O2M_CPU_FLAGS "-march=rv32imac -mabi=ilp32")
include("${CMAKE_CURRENT_LIST_DIR}/riscv64-unknown-elf.cmake")
