# Shared part of the arm-none-eabi-cortex-m*.cmake toolchain files, which set O2M_CPU_FLAGS
# (the core's flags from templates/targets/cortex-m/boards.txt) and include this file.
# arm-none-eabi-gcc and friends are taken from PATH (Debian: gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib).
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
set(_o2m_flags "-mthumb ${O2M_CPU_FLAGS}")
include("${CMAKE_CURRENT_LIST_DIR}/bare-metal.cmake")
# newlib-nano: the small C library; the CPU flags above also reach the link and pick its multilib.
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -Wl,--gc-sections")
