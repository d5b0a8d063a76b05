# Warnings for our own targets only (not for dependencies' headers).
add_library(alphapulse_warnings INTERFACE)
target_compile_options(alphapulse_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Wnull-dereference -Wdouble-promotion -Wimplicit-fallthrough)
option(ALPHAPULSE_WERROR "Treat warnings as errors" ON)
if(ALPHAPULSE_WERROR)
  target_compile_options(alphapulse_warnings INTERFACE -Werror)
endif()
