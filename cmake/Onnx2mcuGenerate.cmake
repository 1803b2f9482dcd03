# onnx2mcu_add_model() and onnx2mcu_add_cortex_m_runtime(): see docs/cmake.md.
#
# A model is generated twice on purpose. At configure time, so the sources exist for IDEs and the
# generator's onnx2mcu.manifest tells us every file it writes; then as a custom command whose
# OUTPUT is all of those files and whose DEPENDS are the model and the generator, so a build
# regenerates exactly when either changes. Should a new model need a different set of kernel
# headers, the build-time run rewrites files.txt, a configure dependency, and the next build
# re-reads the list, so OUTPUT never goes stale.
#
# Script mode, used by that custom command: cmake -DO2M_RUN=<command file> -P Onnx2mcuGenerate.cmake
#
# The folder layout is the same in a checkout and an install (<prefix>/share/onnx2mcu):
# cmake/ (this file), templates/targets/cortex-m/, tools/run-qemu.sh.
get_filename_component(_o2m_root "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(ONNX2MCU_CORTEX_M_DIR "${_o2m_root}/templates/targets/cortex-m")
set(ONNX2MCU_TOOLCHAINS_DIR "${CMAKE_CURRENT_LIST_DIR}/toolchains")
set(ONNX2MCU_RUN_QEMU "${_o2m_root}/tools/run-qemu.sh")

# Runs the generator as a command file says; on failure stops with the generator's message.
function(_onnx2mcu_run command_file)
  include("${command_file}")
  # Make's build deletes the manifest (the first OUTPUT) when another output is missing, and
  # without its manifest the generator refuses the folder: remove the files we know we wrote.
  if(NOT EXISTS "${O2M_OUTPUT_DIR}/onnx2mcu.manifest" AND EXISTS "${O2M_FILES_TXT}")
    file(STRINGS "${O2M_FILES_TXT}" ours)
    foreach(f IN LISTS ours)
      file(REMOVE "${O2M_OUTPUT_DIR}/${f}")
      get_filename_component(sub "${O2M_OUTPUT_DIR}/${f}" DIRECTORY)
      file(GLOB left "${sub}/*")
      if(NOT left AND NOT sub STREQUAL O2M_OUTPUT_DIR)
        file(REMOVE_RECURSE "${sub}")
      endif()
    endforeach()
  endif()
  execute_process(COMMAND ${O2M_COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    string(STRIP "${err}${out}" err)
    message(FATAL_ERROR "${O2M_CONTEXT}: generation failed (onnx2mcu exit ${rc}):\n  ${err}")
  endif()
  file(STRINGS "${O2M_OUTPUT_DIR}/onnx2mcu.manifest" files)
  string(REPLACE ";" "\n" files "${files}")
  set(old "")
  if(EXISTS "${O2M_FILES_TXT}")
    file(READ "${O2M_FILES_TXT}" old)
  endif()
  if(NOT old STREQUAL files)  # written only on change: it is a configure dependency
    file(WRITE "${O2M_FILES_TXT}" "${files}")
  endif()
endfunction()

if(CMAKE_SCRIPT_MODE_FILE STREQUAL CMAKE_CURRENT_LIST_FILE)
  _onnx2mcu_run("${O2M_RUN}")
  return()
endif()

# The generator runs on the build host: ONNX2MCU_EXECUTABLE, else the imported target, else PATH.
function(_onnx2mcu_generator out)
  if(ONNX2MCU_EXECUTABLE)
    set(exe "${ONNX2MCU_EXECUTABLE}")
  elseif(TARGET onnx2mcu::onnx2mcu)
    get_target_property(exe onnx2mcu::onnx2mcu LOCATION)
  else()
    find_program(ONNX2MCU_PROGRAM onnx2mcu)
    set(exe "${ONNX2MCU_PROGRAM}")
  endif()
  if(NOT exe OR NOT EXISTS "${exe}")
    message(FATAL_ERROR "onnx2mcu: generator not found (tried '${exe}'). Set ONNX2MCU_EXECUTABLE, "
                        "call find_package(onnx2mcu) with CMAKE_PREFIX_PATH at the install, or put onnx2mcu on PATH.")
  endif()
  set(${out} "${exe}" PARENT_SCOPE)
endfunction()

# onnx2mcu_add_model(TARGET tgt MODEL path.onnx [NAME n] [OUTPUT_DIR d] [SHAPES NAME=1x2x3 ...]
#                    [TARGET_CPU cortex-m4] [OPTIONS ...] [DEPENDS files...])
function(onnx2mcu_add_model)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "TARGET;MODEL;NAME;OUTPUT_DIR;TARGET_CPU" "SHAPES;OPTIONS;DEPENDS")
  set(ctx "onnx2mcu_add_model(TARGET ${arg_TARGET} MODEL ${arg_MODEL})")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "${ctx}: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_TARGET OR NOT arg_MODEL)
    message(FATAL_ERROR "${ctx}: TARGET and MODEL are required")
  endif()
  if(NOT TARGET ${arg_TARGET})
    message(FATAL_ERROR "${ctx}: '${arg_TARGET}' is not a target; create it with add_executable/add_library first")
  endif()
  # Custom command outputs are only visible to targets of the same directory.
  get_target_property(target_dir ${arg_TARGET} SOURCE_DIR)
  if(NOT target_dir STREQUAL CMAKE_CURRENT_SOURCE_DIR)
    message(FATAL_ERROR "${ctx}: call it in ${target_dir}/CMakeLists.txt, where '${arg_TARGET}' is created")
  endif()
  get_filename_component(model "${arg_MODEL}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${model}" OR IS_DIRECTORY "${model}")
    message(FATAL_ERROR "${ctx}: model file not found: ${model}")
  endif()
  _onnx2mcu_generator(exe)

  set(name "${arg_NAME}")
  if(NOT name)  # as the generator names it: models/digits/model.onnx -> digits
    get_filename_component(name "${model}" NAME_WE)
    if(name STREQUAL "model")
      get_filename_component(name "${model}" DIRECTORY)
      get_filename_component(name "${name}" NAME)
    endif()
  endif()
  set(out_dir "${arg_OUTPUT_DIR}")
  if(NOT out_dir)
    set(out_dir "${CMAKE_CURRENT_BINARY_DIR}/onnx2mcu/${name}")
  endif()
  get_filename_component(out_dir "${out_dir}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")

  set(command "${exe}" compile "${model}" -o "${out_dir}" --quiet)
  if(arg_NAME)
    list(APPEND command --name "${arg_NAME}")
  endif()
  foreach(shape IN LISTS arg_SHAPES)
    list(APPEND command --shape "${shape}")
  endforeach()
  if(arg_TARGET_CPU)
    list(APPEND command --target "${arg_TARGET_CPU}")
  endif()
  list(APPEND command ${arg_OPTIONS})

  # One command file per output folder holds what both generation paths run.
  string(SHA1 id "${out_dir}")
  string(SUBSTRING "${id}" 0 12 id)
  set(state "${CMAKE_CURRENT_BINARY_DIR}/CMakeFiles/onnx2mcu/${name}-${id}")
  set(command_file "${state}/command.cmake")
  set(files_txt "${state}/files.txt")
  string(CONCAT text "set(O2M_COMMAND [==[${command}]==])\nset(O2M_OUTPUT_DIR [==[${out_dir}]==])\n"
                     "set(O2M_FILES_TXT [==[${files_txt}]==])\nset(O2M_CONTEXT [==[${ctx}]==])\n")
  set(old "")
  if(EXISTS "${command_file}")
    file(READ "${command_file}" old)
  endif()
  set(manifest "${out_dir}/onnx2mcu.manifest")
  set(stale FALSE)
  if(NOT old STREQUAL text)
    file(WRITE "${command_file}" "${text}")
    set(stale TRUE)
  elseif(NOT EXISTS "${files_txt}" OR "${model}" IS_NEWER_THAN "${manifest}" OR "${exe}" IS_NEWER_THAN "${manifest}")
    set(stale TRUE)
  else()
    file(STRINGS "${files_txt}" files)
    foreach(f IN LISTS files)
      if(NOT EXISTS "${out_dir}/${f}")
        set(stale TRUE)
      endif()
    endforeach()
  endif()
  if(stale)
    _onnx2mcu_run("${command_file}")
  endif()

  file(STRINGS "${files_txt}" files)
  set(outputs "${manifest}")
  set(sources "")
  foreach(f IN LISTS files)
    list(APPEND outputs "${out_dir}/${f}")
    if(f MATCHES "^[^/]*\\.cpp$")
      list(APPEND sources "${out_dir}/${f}")
    endif()
  endforeach()
  get_filename_component(model_file "${model}" NAME)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND "${CMAKE_COMMAND}" "-DO2M_RUN=${command_file}" -P "${CMAKE_CURRENT_FUNCTION_LIST_FILE}"
    DEPENDS "${model}" "${exe}" "${command_file}" "${CMAKE_CURRENT_FUNCTION_LIST_FILE}" ${arg_DEPENDS}
    COMMENT "onnx2mcu: generating ${name} from ${model_file}"
    VERBATIM)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${files_txt}")
  target_sources(${arg_TARGET} PRIVATE ${sources})
  target_include_directories(${arg_TARGET} PUBLIC "${out_dir}")
  target_compile_features(${arg_TARGET} PRIVATE cxx_std_17)
endfunction()

# onnx2mcu_add_cortex_m_runtime(tgt BOARD [STACK_SIZE bytes]): the bare-metal runtime of
# templates/targets/cortex-m (startup, newlib hooks, rig.h output) and the board's linker script.
function(onnx2mcu_add_cortex_m_runtime tgt board)
  cmake_parse_arguments(PARSE_ARGV 2 arg "" "STACK_SIZE" "")
  set(dir "${ONNX2MCU_CORTEX_M_DIR}")
  set(ctx "onnx2mcu_add_cortex_m_runtime(${tgt} ${board})")
  if(NOT TARGET ${tgt})
    message(FATAL_ERROR "${ctx}: '${tgt}' is not a target")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "C" IN_LIST languages)
    message(FATAL_ERROR "${ctx}: the runtime is C; add C to project(... LANGUAGES C CXX)")
  endif()
  file(STRINGS "${dir}/boards.txt" rows REGEX "^[^#]")
  set(cpu "")
  set(known "")
  foreach(row IN LISTS rows)
    string(REGEX MATCH "^([^ \t]+)[ \t]+([^ \t]+)" _ "${row}")
    list(APPEND known "${CMAKE_MATCH_1}")
    if(CMAKE_MATCH_1 STREQUAL board)
      set(cpu "${CMAKE_MATCH_2}")
    endif()
  endforeach()
  if(NOT cpu)
    list(JOIN known ", " known)
    message(FATAL_ERROR "${ctx}: unknown board '${board}'; known: ${known} (${dir}/boards.txt)")
  endif()
  # A core mismatch links, then faults in QEMU; say so now.
  if(NOT CMAKE_C_FLAGS MATCHES "-mcpu=${cpu}( |$)")
    message(WARNING "${ctx}: ${board} is a ${cpu} but CMAKE_C_FLAGS has no -mcpu=${cpu}; "
                    "use the toolchain file ${ONNX2MCU_TOOLCHAINS_DIR}/arm-none-eabi-${cpu}.cmake")
  endif()
  target_sources(${tgt} PRIVATE "${dir}/startup.c" "${dir}/syscalls.c" "${dir}/rig.c")
  target_include_directories(${tgt} PRIVATE "${dir}")
  # -L: each board script INCLUDEs link-common.ld. -nostartfiles: startup.c is the startup code.
  target_link_options(${tgt} PRIVATE -nostartfiles "-L${dir}" "-T${dir}/link-${board}.ld")
  if(arg_STACK_SIZE)
    target_link_options(${tgt} PRIVATE "LINKER:--defsym=RIG_STACK_SIZE=${arg_STACK_SIZE}")
  endif()
  set_property(TARGET ${tgt} APPEND PROPERTY LINK_DEPENDS "${dir}/link-${board}.ld" "${dir}/link-common.ld")
endfunction()
