# Shared part of the riscv64-unknown-elf-riscv32-*.cmake toolchain files, which set O2M_CPU_FLAGS
# (the core's flags from templates/targets/riscv/boards.txt) and include this file.
# riscv64-unknown-elf-gcc is taken from PATH with picolibc (Debian: gcc-riscv64-unknown-elf,
# picolibc-riscv64-unknown-elf); picolibc has no C++ library, and generated code needs none.
set(CMAKE_SYSTEM_PROCESSOR riscv32)
set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)
set(CMAKE_CXX_COMPILER riscv64-unknown-elf-g++)
set(CMAKE_ASM_COMPILER riscv64-unknown-elf-gcc)
# The specs put picolibc's headers on the include path and pick its multilib at the link.
set(_o2m_flags "${O2M_CPU_FLAGS} --specs=picolibc.specs")
include("${CMAKE_CURRENT_LIST_DIR}/bare-metal.cmake")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")
# Link with gcc, not g++: g++ would add -lstdc++, which picolibc does not have.
set(CMAKE_CXX_LINK_EXECUTABLE "<CMAKE_C_COMPILER> <FLAGS> <CMAKE_CXX_LINK_FLAGS> <LINK_FLAGS> <OBJECTS> -o <TARGET> <LINK_LIBRARIES>")
