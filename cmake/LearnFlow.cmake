# Shared build conventions: warnings, ccache, test registration.

find_program(LF_CCACHE ccache)
if(LF_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LF_CCACHE})
endif()

set(LF_WARNINGS -Wall -Wextra -Wno-missing-field-initializers)
# g++ 12 reports a false -Wmismatched-new-delete on every Asio coroutine frame (its frames use a
# recycling allocator with a sized operator delete).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND LF_WARNINGS -Wno-mismatched-new-delete)
endif()
if(LEARNFLOW_WERROR)
  list(APPEND LF_WARNINGS -Werror)
endif()

find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)

# Boost 1.74's Asio coroutines need <utility> first with g++ 12; the flag keeps Asio header-only.
add_library(lf_asio INTERFACE)
target_compile_definitions(lf_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_HAS_CO_AWAIT)
target_compile_options(lf_asio INTERFACE -include utility)
target_link_libraries(lf_asio INTERFACE Threads::Threads)

# lf_library(NAME SOURCES ... [PUBLIC_LIBS ...] [PRIVATE_LIBS ...])
function(lf_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC_LIBS;PRIVATE_LIBS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR}/src)
  target_compile_options(${name} PRIVATE ${LF_WARNINGS})
  target_link_libraries(${name} PUBLIC ${ARG_PUBLIC_LIBS} PRIVATE ${ARG_PRIVATE_LIBS})
endfunction()

# lf_executable(NAME SOURCES ... LIBS ...): a product binary in build/bin/
function(lf_executable name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${LF_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS})
endfunction()

# lf_test(NAME SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s]): a GoogleTest binary registered with ctest.
# Label "unit" = deterministic, no sockets to external servers; "integration" = real servers.
find_package(GTest QUIET)
function(lf_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  target_compile_options(${name} PRIVATE ${LF_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} lf_test_support GTest::gtest GTest::gmock GTest::gtest_main)
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
  set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
    ENVIRONMENT "LEARNFLOW_BIN_DIR=${CMAKE_BINARY_DIR}/bin;LEARNFLOW_SOURCE_DIR=${CMAKE_SOURCE_DIR}")
endfunction()

# Adds every immediate subdirectory of DIR that has a CMakeLists.txt.
function(lf_add_component_dirs dir)
  file(GLOB children RELATIVE ${dir} ${dir}/*)
  list(SORT children)
  foreach(child ${children})
    if(IS_DIRECTORY ${dir}/${child} AND EXISTS ${dir}/${child}/CMakeLists.txt AND NOT child STREQUAL "support")
      add_subdirectory(${dir}/${child})
    endif()
  endforeach()
endfunction()
