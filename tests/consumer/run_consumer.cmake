# Driver for the consumer_project CTest test. Run with cmake -P; expects:
#   NEURO_SOURCE_DIR, NEURO_BINARY_DIR, CONSUMER_SOURCE_DIR, WORK_DIR,
#   GENERATOR, CONFIG and optionally GENERATOR_PLATFORM, GENERATOR_TOOLSET,
#   MAKE_PROGRAM, CXX_COMPILER.
# Every failing step aborts with the captured output.
cmake_minimum_required(VERSION 3.25)

foreach(var IN ITEMS NEURO_SOURCE_DIR NEURO_BINARY_DIR CONSUMER_SOURCE_DIR WORK_DIR GENERATOR CONFIG)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_consumer.cmake: ${var} is not set")
  endif()
endforeach()

# run_step(<description> <command>...)
function(run_step description)
  message(STATUS "consumer: ${description}")
  execute_process(
    COMMAND ${ARGN}
    RESULT_VARIABLE result
    OUTPUT_VARIABLE output
    ERROR_VARIABLE output
  )
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " cmdline)
    message(FATAL_ERROR
      "consumer: '${description}' failed (${result})\n"
      "command: ${cmdline}\n"
      "${output}")
  endif()
  set(step_output "${output}" PARENT_SCOPE)
endfunction()

# Reuse the parent build's toolchain so the consumer is built the same way.
set(generator_args -G "${GENERATOR}")
if(GENERATOR_PLATFORM)
  list(APPEND generator_args -A "${GENERATOR_PLATFORM}")
endif()
if(GENERATOR_TOOLSET)
  list(APPEND generator_args -T "${GENERATOR_TOOLSET}")
endif()
if(MAKE_PROGRAM)
  list(APPEND generator_args "-DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM}")
endif()
if(CXX_COMPILER)
  list(APPEND generator_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()
list(APPEND generator_args "-DCMAKE_BUILD_TYPE=${CONFIG}")

set(prefix "${WORK_DIR}/prefix")

# Start from scratch so a rerun never sees a stale install or cache.
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

run_step("install neuro into ${prefix}"
  "${CMAKE_COMMAND}" --install "${NEURO_BINARY_DIR}" --prefix "${prefix}" --config "${CONFIG}")

# build_consumer(<mode> <extra cmake args>...)
function(build_consumer mode)
  set(build_dir "${WORK_DIR}/build-${mode}")
  run_step("[${mode}] configure"
    "${CMAKE_COMMAND}" -S "${CONSUMER_SOURCE_DIR}" -B "${build_dir}"
      ${generator_args} "-DNEURO_CONSUMER_MODE=${mode}" ${ARGN})

  if(mode STREQUAL "package")
    # Make sure the package came from the scratch prefix and not from some
    # other neuro installed on the machine.
    file(STRINGS "${build_dir}/CMakeCache.txt" neuro_dir_line REGEX "^neuro_DIR:")
    string(REGEX REPLACE "^neuro_DIR:[A-Z]+=" "" neuro_dir "${neuro_dir_line}")
    cmake_path(IS_PREFIX prefix "${neuro_dir}" NORMALIZE from_prefix)
    if(NOT from_prefix)
      message(FATAL_ERROR "consumer: found neuro at '${neuro_dir}', expected it under '${prefix}'")
    endif()
  endif()

  run_step("[${mode}] build"
    "${CMAKE_COMMAND}" --build "${build_dir}" --config "${CONFIG}")

  # Multi-config generators put the binary in a per-config subdirectory, and
  # CMAKE_EXECUTABLE_SUFFIX is not available in script mode, so probe.
  set(app "")
  foreach(candidate IN ITEMS
      "${build_dir}/app" "${build_dir}/app.exe"
      "${build_dir}/${CONFIG}/app" "${build_dir}/${CONFIG}/app.exe")
    if(EXISTS "${candidate}" AND NOT IS_DIRECTORY "${candidate}")
      set(app "${candidate}")
      break()
    endif()
  endforeach()
  if(NOT app)
    message(FATAL_ERROR "consumer: [${mode}] built, but the app executable was not found in ${build_dir}")
  endif()

  run_step("[${mode}] run" "${app}")
  string(STRIP "${step_output}" step_output)
  message(STATUS "consumer: [${mode}] ${step_output}")
endfunction()

build_consumer(package "-DCMAKE_PREFIX_PATH=${prefix}")
build_consumer(subdirectory "-DNEURO_SOURCE_DIR=${NEURO_SOURCE_DIR}")
build_consumer(fetchcontent "-DNEURO_SOURCE_DIR=${NEURO_SOURCE_DIR}")

message(STATUS "consumer: all modes passed")
