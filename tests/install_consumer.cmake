# CTest script: install the build tree into a fresh prefix; check that every installed header
# includes only installed freshet headers and C++ standard headers; then configure, build and run
# tests/consumer against the prefix (find_package(freshet)) with nothing else on its include path,
# and compare what it computes with what the installed `freshet` binary writes.
# Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR.
cmake_policy(VERSION 3.22)  # IN_LIST, as a project would have it
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(path bin/freshet include/freshet/fresh/extract.hpp include/freshet/core/table.hpp
             include/freshet/ml/estimator.hpp include/freshet/xval/cross_validate.hpp
             lib/cmake/freshet/freshetConfig.cmake)
  if(NOT EXISTS ${prefix}/${path})
    message(FATAL_ERROR "not installed: ${path}")
  endif()
endforeach()

# The public headers' contract: freshet's own types and the standard library.
set(include_root ${prefix}/include/freshet)
include(${CMAKE_CURRENT_LIST_DIR}/install_consumer_headers.cmake)

execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
                        -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
                        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
# Nothing but the prefix on the consumer's include path: no Eigen, no nlohmann, no source tree.
file(READ ${WORK_DIR}/build/compile_commands.json commands)
string(REGEX MATCHALL "(-I|-isystem |-iquote )[^ \"]+" include_flags "${commands}")
if(NOT include_flags)
  message(FATAL_ERROR "the consumer's compile command has no include path: ${commands}")
endif()
foreach(flag ${include_flags})
  string(REGEX REPLACE "^(-I|-isystem |-iquote )" "" dir "${flag}")
  if(NOT dir MATCHES "^${prefix}/")
    message(FATAL_ERROR "the consumer is compiled with ${flag}: only ${prefix} may be on its path")
  endif()
endforeach()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()

set(series ${SOURCE_DIR}/data/sample/series.csv)
execute_process(COMMAND ${WORK_DIR}/build/consumer ${series} ${WORK_DIR}/consumer.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer failed (${rc}): ${err}")
endif()
# The library, called from another project, writes what the installed binary writes.
execute_process(COMMAND ${prefix}/bin/freshet extract ${series} --features minimal
                        --workers 0 --out ${WORK_DIR}/cli.csv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed freshet extract failed: ${rc}")
endif()
file(READ ${WORK_DIR}/consumer.csv from_library)
file(READ ${WORK_DIR}/cli.csv from_cli)
if(NOT from_library STREQUAL from_cli)
  message(FATAL_ERROR "the consumer's features differ from `freshet extract`'s")
endif()
# Its cross-validation scores are `freshet xval`'s on the same features, split by split.
execute_process(COMMAND ${prefix}/bin/freshet xval ${WORK_DIR}/cli.csv --target accel__mean
                        --features accel__median,gyro__maximum --model ridge
                        --cv kfold:n_splits=3 --scoring r2 --workers 0
                        --out ${WORK_DIR}/xval.csv
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed freshet xval failed: ${rc}")
endif()
file(STRINGS ${WORK_DIR}/xval.csv rows)
set(expected "")
foreach(row ${rows})
  # split,metric,score,fit_seconds,score_seconds
  if(row MATCHES "^([0-9]+),r2,([^,]+),")
    string(APPEND expected "split ${CMAKE_MATCH_1} r2 ${CMAKE_MATCH_2}\n")
  endif()
endforeach()
if(expected STREQUAL "")
  message(FATAL_ERROR "no r2 rows in freshet xval's output: ${rows}")
endif()
string(REGEX MATCHALL "split [0-9]+ r2 [^\n]+\n" got_lines "${out}")
string(JOIN "" got ${got_lines})
if(NOT got STREQUAL expected)
  message(FATAL_ERROR "the consumer's scores differ from `freshet xval`'s:\n${got}vs\n${expected}")
endif()
if(NOT out MATCHES "\nfit r2 -?[0-9][0-9.e+-]*\n$")
  message(FATAL_ERROR "unexpected consumer output: ${out}")
endif()
execute_process(COMMAND ${WORK_DIR}/build/ml_only RESULT_VARIABLE rc OUTPUT_VARIABLE out_ml
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out_ml STREQUAL "ml-only ok\n")
  message(FATAL_ERROR "ml_only (freshet::ml linked alone) failed (${rc}): ${out_ml}${err}")
endif()
message(STATUS "consumer:\n${out}${out_ml}")
