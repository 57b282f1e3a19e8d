# Helpers that declare Rehearsal's targets the same way everywhere
# (after Abseil's absl_cc_library): one call, warnings, an alias.

set(REHEARSAL_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion)
if(REHEARSAL_WERROR)
  list(APPEND REHEARSAL_WARNINGS -Werror)
endif()

if(REHEARSAL_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# rehearsal_target_defaults(TARGET): warnings and include root.
function(rehearsal_target_defaults target)
  target_compile_options(${target} PRIVATE ${REHEARSAL_WARNINGS})
endfunction()

# rehearsal_library(NAME name ALIAS ns::name DIR dir [DEPS ...])
# Builds every .cpp under DIR (recursively, excluding tools/ and fuzz/) into a
# static library. A folder with no sources becomes an INTERFACE library.
function(rehearsal_library)
  cmake_parse_arguments(A "" "NAME;ALIAS;DIR" "DEPS;EXCLUDE" ${ARGN})
  file(GLOB_RECURSE srcs CONFIGURE_DEPENDS ${A_DIR}/*.cpp)
  foreach(ex IN LISTS A_EXCLUDE)
    list(FILTER srcs EXCLUDE REGEX "${ex}")
  endforeach()
  if(srcs)
    add_library(${A_NAME} STATIC ${srcs})
    target_include_directories(${A_NAME} PUBLIC ${PROJECT_SOURCE_DIR})
    target_link_libraries(${A_NAME} PUBLIC ${A_DEPS})
    rehearsal_target_defaults(${A_NAME})
  else()
    add_library(${A_NAME} INTERFACE)
    target_include_directories(${A_NAME} INTERFACE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${A_NAME} INTERFACE ${A_DEPS})
  endif()
  if(A_ALIAS)
    add_library(${A_ALIAS} ALIAS ${A_NAME})
  endif()
endfunction()

# rehearsal_test_dir(NAME name DIR dir DEPS ...): one GoogleTest binary from
# every *_test.cpp in DIR (not recursive), discovered by CTest.
function(rehearsal_test_dir)
  cmake_parse_arguments(A "" "NAME;DIR" "DEPS;LABELS" ${ARGN})
  file(GLOB srcs CONFIGURE_DEPENDS ${A_DIR}/*_test.cpp)
  if(NOT srcs)
    return()
  endif()
  file(GLOB helpers CONFIGURE_DEPENDS ${A_DIR}/*_testlib.cpp)
  add_executable(${A_NAME} ${srcs} ${helpers})
  target_link_libraries(${A_NAME} PRIVATE ${A_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${A_NAME} PRIVATE
    REHEARSAL_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    REHEARSAL_BINARY_DIR="${PROJECT_BINARY_DIR}")
  rehearsal_target_defaults(${A_NAME})
  include(GoogleTest)
  gtest_discover_tests(${A_NAME} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${A_NAME};${A_LABELS}"
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
endfunction()
