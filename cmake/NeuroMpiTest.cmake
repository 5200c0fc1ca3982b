# neuro_add_mpi_test(<name> <ranks> <program> <args>...): a CTest test that runs the program
# under mpiexec with <ranks> ranks (label "mpi"), with a timeout, so that a rank left waiting
# fails the test rather than hanging it. For neuro's own tests and examples, with MPI found.
function(neuro_add_mpi_test name ranks program)
  # Open MPI refuses more ranks than cores, and running as root, unless told; other MPIs do
  # not know these flags.
  execute_process(COMMAND "${MPIEXEC_EXECUTABLE}" --version OUTPUT_VARIABLE version ERROR_QUIET)
  set(flags "")
  if(version MATCHES "Open MPI|OpenRTE")
    set(flags --oversubscribe --allow-run-as-root)
  endif()
  add_test(NAME ${name}
    COMMAND "${MPIEXEC_EXECUTABLE}" ${MPIEXEC_NUMPROC_FLAG} ${ranks} ${flags} ${MPIEXEC_PREFLAGS}
            $<TARGET_FILE:${program}> ${MPIEXEC_POSTFLAGS} ${ARGN}
  )
  # Under the sanitize preset, LeakSanitizer reports what Open MPI itself (libmpi and the
  # plugins it unloads) never frees; AddressSanitizer's other checks stay on. neuro's own
  # code paths are leak-checked by the single-process tests.
  set_tests_properties(${name} PROPERTIES LABELS mpi TIMEOUT 120 PROCESSORS ${ranks}
                                          ENVIRONMENT "ASAN_OPTIONS=detect_leaks=0")
endfunction()
