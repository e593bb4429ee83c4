# Every dependency comes from a Debian package. A missing one is a configure
# error that names the package to install (or run `make deps`).

find_package(PkgConfig)
if(NOT PkgConfig_FOUND)
  message(FATAL_ERROR "pkg-config not found: install the Debian package 'pkg-config' (or run `make deps`).")
endif()

function(flowcast_require_pkg target module debian_package)
  pkg_check_modules(${target} IMPORTED_TARGET ${module})
  if(NOT ${target}_FOUND)
    message(FATAL_ERROR "${module} not found: install the Debian package '${debian_package}' (or run `make deps`).")
  endif()
endfunction()

flowcast_require_pkg(LIBAVFORMAT libavformat libavformat-dev)
flowcast_require_pkg(LIBAVCODEC libavcodec libavcodec-dev)
flowcast_require_pkg(LIBAVUTIL libavutil libavutil-dev)
flowcast_require_pkg(LIBSWSCALE libswscale libswscale-dev)
flowcast_require_pkg(LIBSWRESAMPLE libswresample libswresample-dev)

find_package(SDL2 CONFIG QUIET)
if(NOT SDL2_FOUND)
  message(FATAL_ERROR "SDL2 not found: install the Debian package 'libsdl2-dev' (or run `make deps`).")
endif()
find_package(SDL2_ttf CONFIG QUIET)
if(NOT SDL2_ttf_FOUND)
  message(FATAL_ERROR "SDL2_ttf not found: install the Debian package 'libsdl2-ttf-dev' (or run `make deps`).")
endif()

find_package(CLI11 CONFIG QUIET)
if(NOT CLI11_FOUND)
  message(FATAL_ERROR "CLI11 not found: install the Debian package 'libcli11-dev' (or run `make deps`).")
endif()

find_package(nlohmann_json 3 CONFIG QUIET)
if(NOT nlohmann_json_FOUND)
  message(FATAL_ERROR "nlohmann/json not found: install the Debian package 'nlohmann-json3-dev' (or run `make deps`).")
endif()

find_path(ASIO_INCLUDE_DIR asio.hpp)
if(NOT ASIO_INCLUDE_DIR)
  message(FATAL_ERROR "asio.hpp not found: install the Debian package 'libasio-dev' (or run `make deps`).")
endif()
find_package(Threads REQUIRED)
add_library(flowcast_asio INTERFACE)
target_include_directories(flowcast_asio SYSTEM INTERFACE ${ASIO_INCLUDE_DIR})
# asio picks std::aligned_alloc or operator new for its handler memory from
# whether libstdc++'s config was seen before <asio.hpp>; files that include it
# first and files that do not would mix free() with operator new (ASan's
# alloc-dealloc-mismatch). One choice for every file:
target_compile_definitions(flowcast_asio INTERFACE ASIO_STANDALONE ASIO_NO_DEPRECATED
                                                   ASIO_DISABLE_STD_ALIGNED_ALLOC)
target_link_libraries(flowcast_asio INTERFACE Threads::Threads)

if(FLOWCAST_BUILD_TESTS)
  find_package(Catch2 2 CONFIG QUIET)
  if(NOT Catch2_FOUND)
    message(FATAL_ERROR "Catch2 v2 not found: install the Debian package 'catch2' (or run `make deps`).")
  endif()
  include(Catch)
endif()

# Precompiled headers. asio, nlohmann/json and Catch2 are header-only and
# take 1 to 2 s of the compiler's time each in every file that includes
# them (most of the server's, the client's and the tests' files do); a
# target's precompiled header parses them once for all its files.
# -DFLOWCAST_PCH=OFF builds without (to check that each file includes what
# it uses).
option(FLOWCAST_PCH "Precompile the heavy header-only libraries' headers per target" ON)
function(flowcast_precompile target)
  if(FLOWCAST_PCH)
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
endfunction()

# toml++ 3 reads the sweep files written in TOML (client/sweep/sweep_file.cpp),
# header-only: Debian's package also ships it as a shared library, but the
# header-only form compiles the parser with the file that uses it, so the
# sanitizers and the fuzzer (fuzz_sweep_file) see into it.
find_path(TOMLPLUSPLUS_INCLUDE_DIR toml++/toml.h)
if(TOMLPLUSPLUS_INCLUDE_DIR)
  file(STRINGS ${TOMLPLUSPLUS_INCLUDE_DIR}/toml++/impl/version.h _toml_major
       REGEX "^#define TOML_LIB_MAJOR [0-9]+")
endif()
if(NOT TOMLPLUSPLUS_INCLUDE_DIR OR NOT _toml_major MATCHES "TOML_LIB_MAJOR 3$")
  message(FATAL_ERROR "toml++ 3 (toml++/toml.h) not found: install the Debian package 'libtomlplusplus-dev' (or run `make deps`).")
endif()
add_library(flowcast_toml INTERFACE)
target_include_directories(flowcast_toml SYSTEM INTERFACE ${TOMLPLUSPLUS_INCLUDE_DIR})
target_compile_definitions(flowcast_toml INTERFACE TOML_HEADER_ONLY=1)
