# Warnings for our own targets only (not for dependencies' headers).
add_library(alphapulse_warnings INTERFACE)
target_compile_options(alphapulse_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wdouble-promotion -Wimplicit-fallthrough)
option(ALPHAPULSE_WERROR "Treat warnings as errors" ON)
if(ALPHAPULSE_WERROR)
  target_compile_options(alphapulse_warnings INTERFACE -Werror)
endif()
# Not -Wnull-dereference: with GCC 12 at -O2 it reports dereferences on paths
# the code has already excluded (e.g. through Expected<Builder>), in our code
# and inside CLI11 and nlohmann_json alike.
# -Wrestrict stays a warning: GCC 12 at -O3 (CMake's Release) reports overlapping
# memcpy inside std::string's own operator+ and append (GCC bug 105329), in code
# that only concatenates strings.
if(ALPHAPULSE_WERROR AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(alphapulse_warnings INTERFACE -Wno-error=restrict)
endif()
