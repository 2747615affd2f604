# CTest script: install the build tree into a fresh prefix, then configure, build and run
# tests/consumer against it (find_package(freshet)). Variables: BUILD_DIR, SOURCE_DIR, WORK_DIR.
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR}/prefix
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed: ${rc}")
endif()
foreach(path bin/freshet include/freshet/fresh/extract.hpp include/freshet/core/table.hpp
             lib/cmake/freshet/freshetConfig.cmake)
  if(NOT EXISTS ${WORK_DIR}/prefix/${path})
    message(FATAL_ERROR "not installed: ${path}")
  endif()
endforeach()
file(GLOB_RECURSE leaked ${WORK_DIR}/prefix/include/*_test*.hpp ${WORK_DIR}/prefix/include/*internal*)
if(leaked)
  message(FATAL_ERROR "test or internal headers installed: ${leaked}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/tests/consumer -B ${WORK_DIR}/build
                        -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${WORK_DIR}/prefix
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "configuring the consumer failed: ${rc}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${WORK_DIR}/build RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "building the consumer failed: ${rc}")
endif()
set(series ${SOURCE_DIR}/data/sample/series.csv)
execute_process(COMMAND ${WORK_DIR}/build/consumer ${series} ${WORK_DIR}/consumer.csv
                RESULT_VARIABLE rc OUTPUT_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()
if(NOT out MATCHES "^-?[0-9][0-9.e+-]*\n$")
  message(FATAL_ERROR "unexpected consumer output: ${out}")
endif()
# The library, called from another project, writes what the installed binary writes.
execute_process(COMMAND ${WORK_DIR}/prefix/bin/freshet extract ${series} --features minimal
                        --workers 0 --out ${WORK_DIR}/cli.csv RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed freshet failed: ${rc}")
endif()
file(READ ${WORK_DIR}/consumer.csv from_library)
file(READ ${WORK_DIR}/cli.csv from_cli)
if(NOT from_library STREQUAL from_cli)
  message(FATAL_ERROR "the consumer's features differ from `freshet extract`'s")
endif()
message(STATUS "consumer: mean r2 ${out}")
