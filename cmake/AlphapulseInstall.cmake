# cmake --install: headers, libraries, the alphapulse command and services, the
# default deployment and sample data, CMake packages and pkg-config files.
#
# Every library is a component: find_package(alphapulse COMPONENTS wire) loads
# only wire and what it needs, and pkg-config has one module per library
# (alphapulse-wire, ...) plus `alphapulse`, which requires them all. Both are
# derived here from the targets' own link libraries, so a new dependency
# cannot be forgotten in one of them: an external library missing from the
# table below stops the configure step.
include(CMakePackageConfigHelpers)

get_property(_libs GLOBAL PROPERTY ALPHAPULSE_LIBRARIES)
get_property(_incs GLOBAL PROPERTY ALPHAPULSE_INCLUDE_DIRS)
set(_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/alphapulse)

# External link libraries: the pkg-config module and the CMake call that
# finds each (keys with "::" replaced by "__").
set(_pc_PkgConfig__ISAL libisal)
set(_pc_PkgConfig__CRYPTOPP libcrypto++)
set(_pc_PkgConfig__NATS libnats)
set(_pc_PkgConfig__ZSTD libzstd)
set(_pc_yaml-cpp yaml-cpp)
set(_find_yaml-cpp "find_dependency(yaml-cpp)")
set(_pc_nlohmann_json__nlohmann_json nlohmann_json)
set(_find_nlohmann_json__nlohmann_json "find_dependency(nlohmann_json 3.10)")
set(_pc_CLI11__CLI11 CLI11)
set(_find_CLI11__CLI11 "find_dependency(CLI11)")

# Sorts one library's link libraries into alphapulse components and external modules.
function(_alphapulse_link_deps lib out_components out_modules out_finds)
  get_target_property(_links ${lib} LINK_LIBRARIES)
  set(_components "")
  set(_modules "")
  set(_finds "")
  foreach(_link IN LISTS _links)
    if(_link MATCHES "^\\$<BUILD_INTERFACE:" OR _link STREQUAL "")
      continue()                                   # build-only (warning flags)
    endif()
    if(_link MATCHES "^alphapulse(::|_)(.+)$")
      list(APPEND _components ${CMAKE_MATCH_2})
      continue()
    endif()
    string(REPLACE "::" "__" _key "${_link}")
    if(NOT DEFINED _pc_${_key})
      message(FATAL_ERROR "AlphapulseInstall.cmake: ${lib} links ${_link}; add its pkg-config module to the table")
    endif()
    list(APPEND _modules ${_pc_${_key}})
    if(_link MATCHES "^PkgConfig::(.+)$")
      set(_var ${CMAKE_MATCH_1})
      list(APPEND _finds "if(NOT TARGET ${_link})\n  pkg_check_modules(${_var} REQUIRED IMPORTED_TARGET GLOBAL ${_pc_${_key}})\nendif()")
    else()
      list(APPEND _finds "${_find_${_key}}")
    endif()
  endforeach()
  set(${out_components} "${_components}" PARENT_SCOPE)
  set(${out_modules} "${_modules}" PARENT_SCOPE)
  set(${out_finds} "${_finds}" PARENT_SCOPE)
endfunction()

# The .pc files find the prefix relative to themselves (works with --prefix and DESTDIR).
file(RELATIVE_PATH ALPHAPULSE_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" ALPHAPULSE_PC_TO_PREFIX "${ALPHAPULSE_PC_TO_PREFIX}")

set(ALPHAPULSE_COMPONENT_TABLE "")
set(_all_modules "")
foreach(_lib IN LISTS _libs)
  string(REGEX REPLACE "^alphapulse_" "" _name ${_lib})
  install(TARGETS ${_lib} EXPORT alphapulse-${_name}-targets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT alphapulse-${_name}-targets NAMESPACE alphapulse:: DESTINATION ${_cmakedir})

  _alphapulse_link_deps(${_lib} _components _modules _finds)
  # The libraries are static archives, so what they link privately is still
  # needed at the consumer's link: it goes in Requires, not Requires.private,
  # for a plain `pkg-config --libs` to link.
  set(ALPHAPULSE_PC_NAME alphapulse-${_name})
  set(ALPHAPULSE_PC_LIB alphapulse_${_name})
  set(_requires ${_modules})
  foreach(_c IN LISTS _components)
    list(APPEND _requires alphapulse-${_c})
  endforeach()
  list(REMOVE_DUPLICATES _requires)
  string(JOIN " " ALPHAPULSE_PC_REQUIRES ${_requires})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/alphapulse-component.pc.in
    ${PROJECT_BINARY_DIR}/pkgconfig/alphapulse-${_name}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/alphapulse-${_name}.pc
    DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
  list(APPEND _all_modules alphapulse-${_name})

  # One entry of alphapulseConfig.cmake's table: the component's alphapulse
  # dependencies, then the calls that find its external ones.
  list(REMOVE_DUPLICATES _components)
  list(REMOVE_DUPLICATES _finds)
  string(JOIN "\n" _find_code ${_finds})
  string(APPEND ALPHAPULSE_COMPONENT_TABLE
    "set(_alphapulse_components_${_name} ${_components})\n"
    "macro(_alphapulse_find_${_name})\n${_find_code}\nendmacro()\n")
endforeach()
string(JOIN " " ALPHAPULSE_PC_ALL ${_all_modules})
string(REGEX REPLACE "alphapulse_" "" ALPHAPULSE_COMPONENTS "${_libs}")

foreach(_inc IN LISTS _incs)
  install(DIRECTORY ${_inc}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/alphapulseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/alphapulseConfig.cmake INSTALL_DESTINATION ${_cmakedir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/alphapulseConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/alphapulseConfig.cmake ${PROJECT_BINARY_DIR}/alphapulseConfigVersion.cmake
  DESTINATION ${_cmakedir})

configure_file(${PROJECT_SOURCE_DIR}/cmake/alphapulse.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/alphapulse.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/alphapulse.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# What the installed commands read by default (config::installedResource
# finds them relative to the binary): the default deployment, the samples the
# collector replays (every profile of config/), and the example programs.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/ DESTINATION ${CMAKE_INSTALL_DATADIR}/alphapulse/config)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/data/samples DESTINATION ${CMAKE_INSTALL_DATADIR}/alphapulse/data)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/cpp DESTINATION ${CMAKE_INSTALL_DATADIR}/alphapulse/examples)
