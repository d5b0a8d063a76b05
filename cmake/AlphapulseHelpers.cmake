# alphapulse_add_library(<name> SOURCES ... [DEPS ...] [PRIVATE_DEPS ...])
#   Library alphapulse_<name>, alias alphapulse::<name>, headers in include/.
function(alphapulse_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(alphapulse_${name} ${ARG_SOURCES})
  add_library(alphapulse::${name} ALIAS alphapulse_${name})
  # Unity batches: the library's files compiled a few at a time, their shared
  # headers parsed once per batch instead of once per file (names private to
  # a file must therefore not clash with another file's of the same library).
  set_target_properties(alphapulse_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME alphapulse_${name}
                        UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  target_include_directories(alphapulse_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(alphapulse_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS}
                        $<BUILD_INTERFACE:alphapulse_warnings>)
  # The headers use std::span and concepts: a consumer of the installed target
  # gets C++20 from the target itself, not from its own settings.
  target_compile_features(alphapulse_${name} PUBLIC cxx_std_20)
  set_property(GLOBAL APPEND PROPERTY ALPHAPULSE_LIBRARIES alphapulse_${name})
  set_property(GLOBAL APPEND PROPERTY ALPHAPULSE_INCLUDE_DIRS ${CMAKE_CURRENT_SOURCE_DIR}/include)
endfunction()

# alphapulse_add_test(<name> SOURCES ... [DEPS ...] [LABELS ...])
#   One GoogleTest executable, its tests registered with ctest.
function(alphapulse_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main alphapulse_warnings)
  target_compile_definitions(${name} PRIVATE
    ALPHAPULSE_SHARED_DATA_DIR="${PROJECT_SOURCE_DIR}/../shared/data"
    ALPHAPULSE_REPO_DIR="${PROJECT_SOURCE_DIR}")
  gtest_discover_tests(${name} PROPERTIES LABELS "unit;${ARG_LABELS}" DISCOVERY_TIMEOUT 60)
  set_property(GLOBAL APPEND PROPERTY ALPHAPULSE_UNIT_TESTS ${name})
endfunction()
