# Warnings live on an INTERFACE target that our own targets link, never in global flags,
# so third-party code and system headers are compiled with their own settings.
add_library(cpo_warnings INTERFACE)
if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(cpo_warnings INTERFACE
    # -Wshadow=local is GCC's spelling; clang (the fuzz preset) has none.
    -Wall -Wextra -Wpedantic $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wnon-virtual-dtor
    -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough
    $<$<CXX_COMPILER_ID:GNU>:-Winvalid-pch>)
elseif(MSVC)
  target_compile_options(cpo_warnings INTERFACE /W4 /permissive-)
endif()

option(CPO_SANITIZE "Build with AddressSanitizer and UBSan" OFF)
add_library(cpo_sanitizers INTERFACE)
if(CPO_SANITIZE)
  target_compile_options(cpo_sanitizers INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(cpo_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

option(CPO_TSAN "Build with ThreadSanitizer (not together with CPO_SANITIZE)" OFF)
if(CPO_TSAN)
  if(CPO_SANITIZE)
    message(FATAL_ERROR "CPO_TSAN and CPO_SANITIZE cannot be combined: use the tsan or the "
                        "asan preset")
  endif()
  target_compile_options(cpo_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer)
  target_link_options(cpo_sanitizers INTERFACE -fsanitize=thread)
endif()

# The fuzz build (fuzz/, the `fuzz` preset): every library of ours carries libFuzzer's
# coverage instrumentation besides ASan and UBSan; undefined behaviour aborts, so the fuzzer
# sees it as a crash.
option(CPO_FUZZ "Build the libFuzzer targets (needs clang) with ASan + UBSan" OFF)
if(CPO_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "CPO_FUZZ needs clang (libFuzzer): use the `fuzz` preset, which sets "
                        "CMAKE_CXX_COMPILER=clang++-14 (scripts/install-deps.sh --fuzz)")
  endif()
  target_compile_options(cpo_sanitizers INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                  -fno-sanitize-recover=undefined
                                                  -fno-omit-frame-pointer)
  target_link_options(cpo_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
