# Shared part of the arm-none-eabi-cortex-m*.cmake toolchain files, which set O2M_CPU_FLAGS
# (the core's flags from templates/targets/cortex-m/boards.txt) and include this file.
# arm-none-eabi-gcc and friends are taken from PATH (Debian: gcc-arm-none-eabi,
# libnewlib-arm-none-eabi, libstdc++-arm-none-eabi-newlib).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# CMake's compiler checks cannot link a bare-metal program without startup code and a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Section per function/object so --gc-sections drops what a firmware does not call.
set(_o2m_flags "-mthumb ${O2M_CPU_FLAGS} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${_o2m_flags}")
set(CMAKE_ASM_FLAGS_INIT "${_o2m_flags}")
# No exceptions, RTTI, thread-safe statics or unwind tables: code and flash a firmware does not want.
set(CMAKE_CXX_FLAGS_INIT "${_o2m_flags} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables")
# newlib-nano: the small C library; the CPU flags above also reach the link and pick its multilib.
set(CMAKE_EXE_LINKER_FLAGS_INIT "--specs=nano.specs -Wl,--gc-sections")

# Programs (onnx2mcu, qemu) run on the build host; libraries and headers come from the target's
# sysroot when there is one; packages may be either, because onnx2mcu's package is a host tool.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
