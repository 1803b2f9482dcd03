# cmake --install: the generator, its templates and Cortex-M runtime, and a CMake package.
# Everything but the executable sits under one folder, <prefix>/share/onnx2mcu, whose layout is
# the source tree's (cmake/, templates/, tools/), so Onnx2mcuGenerate.cmake finds the runtime
# and run-qemu.sh finds boards.txt the same way from a checkout and from an install.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(ONNX2MCU_SHARE_DIR ${CMAKE_INSTALL_DATADIR}/onnx2mcu)
# share/<name>/cmake is searched by find_package for every target architecture; lib/<arch>/cmake
# would be missed by a cross build, and the package only holds a host tool and sources.
set(ONNX2MCU_CMAKE_DIR ${ONNX2MCU_SHARE_DIR}/cmake)

install(TARGETS onnx2mcu EXPORT onnx2mcuTargets RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT onnx2mcuTargets NAMESPACE onnx2mcu:: DESTINATION ${ONNX2MCU_CMAKE_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/templates/ DESTINATION ${ONNX2MCU_SHARE_DIR}/templates)
install(PROGRAMS ${PROJECT_SOURCE_DIR}/tools/run-qemu.sh DESTINATION ${ONNX2MCU_SHARE_DIR}/tools)
install(FILES ${PROJECT_SOURCE_DIR}/cmake/Onnx2mcuGenerate.cmake DESTINATION ${ONNX2MCU_CMAKE_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/cmake/toolchains DESTINATION ${ONNX2MCU_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/onnx2mcuConfig.cmake.in
  ${PROJECT_BINARY_DIR}/onnx2mcuConfig.cmake INSTALL_DESTINATION ${ONNX2MCU_CMAKE_DIR})
# ARCH_INDEPENDENT: a firmware build (32-bit target) must accept the package of a 64-bit host tool.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/onnx2mcuConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES ${PROJECT_BINARY_DIR}/onnx2mcuConfig.cmake ${PROJECT_BINARY_DIR}/onnx2mcuConfigVersion.cmake
  DESTINATION ${ONNX2MCU_CMAKE_DIR})
