# What arm-none-eabi.cmake and riscv64-unknown-elf.cmake share, after they set the compilers and
# _o2m_flags (the core's flags plus the C library's): a bare-metal system with sections per
# function, and the C++ switches a firmware wants.
set(CMAKE_SYSTEM_NAME Generic)
# CMake's compiler checks cannot link a bare-metal program without startup code and a linker script.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Section per function/object so --gc-sections drops what a firmware does not call.
set(_o2m_flags "${_o2m_flags} -ffunction-sections -fdata-sections")
set(CMAKE_C_FLAGS_INIT "${_o2m_flags}")
set(CMAKE_ASM_FLAGS_INIT "${_o2m_flags}")
# No exceptions, RTTI, thread-safe statics or unwind tables: code and flash a firmware does not want.
set(CMAKE_CXX_FLAGS_INIT "${_o2m_flags} -fno-exceptions -fno-rtti -fno-threadsafe-statics -fno-unwind-tables")

# Programs (onnx2mcu, qemu) run on the build host; libraries and headers come from the target's
# sysroot when there is one; packages may be either, because onnx2mcu's package is a host tool.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
