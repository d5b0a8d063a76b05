# cmake --install: headers, libraries, the alphapulse command, exported
# targets (find_package(alphapulse) -> alphapulse::wire, alphapulse::codec)
# and a pkg-config file.
include(CMakePackageConfigHelpers)

get_property(_libs GLOBAL PROPERTY ALPHAPULSE_LIBRARIES)
get_property(_incs GLOBAL PROPERTY ALPHAPULSE_INCLUDE_DIRS)

install(TARGETS ${_libs} EXPORT alphapulseTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
foreach(_inc IN LISTS _incs)
  install(DIRECTORY ${_inc}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endforeach()

set(_cmakedir ${CMAKE_INSTALL_LIBDIR}/cmake/alphapulse)
install(EXPORT alphapulseTargets NAMESPACE alphapulse:: DESTINATION ${_cmakedir})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/alphapulseConfig.cmake.in
  ${PROJECT_BINARY_DIR}/alphapulseConfig.cmake INSTALL_DESTINATION ${_cmakedir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/alphapulseConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/alphapulseConfig.cmake ${PROJECT_BINARY_DIR}/alphapulseConfigVersion.cmake
  DESTINATION ${_cmakedir})

# The .pc file finds the prefix relative to itself (works with --prefix and DESTDIR).
file(RELATIVE_PATH ALPHAPULSE_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" ALPHAPULSE_PC_TO_PREFIX "${ALPHAPULSE_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/alphapulse.pc.in ${PROJECT_BINARY_DIR}/alphapulse.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/alphapulse.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
