# Compiles one libFuzzer target with clang++ and runs it; fails on any finding.
# cmake -DCLANGXX=... -DSOURCE=fuzz_x.cpp -DINCLUDE_DIRS=a|b -DLIBRARIES=x|y -DSEEDS=dir (may be absent)
#       -DWORK_DIR=dir -DSECONDS=20 -P run_fuzzer.cmake
# New inputs the fuzzer finds go to WORK_DIR/corpus (kept between runs, so later runs start
# further on); a crashing input is written to WORK_DIR and named in the failure message.

foreach(variable CLANGXX SOURCE INCLUDE_DIRS LIBRARIES SEEDS WORK_DIR SECONDS)
  if(NOT DEFINED ${variable})
    message(FATAL_ERROR "run_fuzzer.cmake: -D${variable}=... is missing")
  endif()
endforeach()

string(REPLACE "|" ";" include_dirs "${INCLUDE_DIRS}")
# The compiler searches /usr/include anyway; given again with -I it can reorder the standard
# library's headers (their #include_next).
list(REMOVE_ITEM include_dirs /usr/include /usr/local/include)
string(REPLACE "|" ";" libraries "${LIBRARIES}")
list(TRANSFORM include_dirs PREPEND "-I")
get_filename_component(name "${SOURCE}" NAME_WE)
set(binary "${WORK_DIR}/${name}")
file(MAKE_DIRECTORY "${WORK_DIR}/corpus")

execute_process(
  COMMAND "${CLANGXX}" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
          ${include_dirs} "${SOURCE}" -o "${binary}" ${libraries}
  RESULT_VARIABLE status
)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${name}: compiling with ${CLANGXX} failed (libFuzzer's runtime is in Debian's libclang-rt-14-dev)")
endif()

# libFuzzer writes new inputs to the first directory and only reads the others.
set(corpora "${WORK_DIR}/corpus")
if(IS_DIRECTORY "${SEEDS}")
  list(APPEND corpora "${SEEDS}")
endif()
execute_process(
  COMMAND "${binary}" -max_total_time=${SECONDS} -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
          "-artifact_prefix=${WORK_DIR}/" ${corpora}
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE status
)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${name} found a failure (exit ${status}); the input that caused it is in ${WORK_DIR}")
endif()
