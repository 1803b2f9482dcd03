# Toolchain for a Cortex-M7 with arm-none-eabi-gcc: cmake -DCMAKE_TOOLCHAIN_FILE=<this file> (docs/cmake.md).
# The flags are the cortex-m7 line of templates/targets/cortex-m/boards.txt (tests/workflow checks it).
set(O2M_CPU_FLAGS "-mcpu=cortex-m7 -mfpu=fpv5-d16 -mfloat-abi=hard")
include("${CMAKE_CURRENT_LIST_DIR}/arm-none-eabi.cmake")
