# Every dependency comes from a distribution package (Debian bookworm names in the README);
# a CUDA LibTorch is picked up through CMAKE_PREFIX_PATH.
find_package(Torch REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
pkg_check_modules(SENTENCEPIECE REQUIRED IMPORTED_TARGET sentencepiece)
find_package(Threads REQUIRED)
# libcurl talks to OpenAI-compatible judge endpoints.
find_package(CURL REQUIRED)
# zlib and liblz4 read apt's compressed package lists for the Debian demo dataset.
find_package(ZLIB REQUIRED)
pkg_check_modules(LZ4 REQUIRED IMPORTED_TARGET liblz4)
# libcurl downloads from the Hugging Face Hub; OpenSSL's libcrypto checks what it downloaded.
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

if(CPO_BUILD_UI)
  find_package(Qt6 6.2 REQUIRED COMPONENTS Core Gui Widgets PrintSupport Test)
  find_package(QCustomPlotQt6 REQUIRED)
  # The Hub tests serve a tiny model over HTTP on 127.0.0.1 (Debian's compiled cpp-httplib).
  pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
endif()

# Torch's own flags (e.g. the C++ ABI define) must reach every target that includes it.
add_library(cpo_torch INTERFACE)
target_link_libraries(cpo_torch INTERFACE ${TORCH_LIBRARIES})
# -fPIC on every target that includes LibTorch, executables too: Qt's targets demand it of
# theirs, and one shared precompiled header (below) needs one setting everywhere.
target_compile_options(cpo_torch INTERFACE ${TORCH_CXX_FLAGS} -fPIC)

# One precompiled <torch/torch.h> for the whole build, shared by every target that includes
# LibTorch: it is by far the heaviest header (about 20 s per translation unit without it), and
# a copy per target cost about a minute of compiling and 630 MB of disk each. The donor target
# carries the same flags as ours (warnings, sanitizers) so the compiler accepts the shared copy;
# -Winvalid-pch (cpo_warnings) says so if it ever does not.
file(CONFIGURE OUTPUT ${CMAKE_BINARY_DIR}/torch_pch_donor.cpp
     CONTENT "// Compiles the shared precompiled <torch/torch.h> (cmake/Dependencies.cmake).\n")
add_library(cpo_torch_pch OBJECT ${CMAKE_BINARY_DIR}/torch_pch_donor.cpp)
target_link_libraries(cpo_torch_pch PRIVATE cpo_torch cpo_warnings cpo_sanitizers)
target_precompile_headers(cpo_torch_pch PRIVATE <torch/torch.h>)

function(cpo_precompile_torch target)
  target_precompile_headers(${target} REUSE_FROM cpo_torch_pch)
endfunction()

