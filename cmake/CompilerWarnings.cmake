# Warnings live on an INTERFACE target that our own targets link, never in global flags,
# so third-party code and system headers are compiled with their own settings.
add_library(cpo_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(cpo_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough)
elseif(MSVC)
  target_compile_options(cpo_warnings INTERFACE /W4 /permissive-)
endif()

option(CPO_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
add_library(cpo_sanitizers INTERFACE)
if(CPO_SANITIZE)
  target_compile_options(cpo_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(cpo_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
