# Project-wide settings and warnings as INTERFACE targets, so each target opts in explicitly.
add_library(stagegate_settings INTERFACE)
target_compile_features(stagegate_settings INTERFACE cxx_std_23)
if(STAGEGATE_SANITIZE)
  target_compile_options(stagegate_settings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer
                                                      -fno-sanitize-recover=undefined)
  target_link_options(stagegate_settings INTERFACE -fsanitize=address,undefined)
endif()
if(STAGEGATE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "STAGEGATE_FUZZ needs clang (libFuzzer): scripts/fuzz configures it")
  endif()
  # -Wno-unknown-warning-option: the g++-only flags below (-Wno-restrict, ...) are noise to clang.
  target_compile_options(stagegate_settings INTERFACE -fsanitize=fuzzer-no-link -Wno-unknown-warning-option)
endif()

add_library(stagegate_warnings INTERFACE)
target_compile_options(stagegate_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough
  # g++ 12 false positive on std::string at -O2 (GCC PR 105329)
  -Wno-restrict)
if(STAGEGATE_SANITIZE)
  # ASan's instrumentation makes g++ 12 report std::regex/std::function internals as
  # maybe-uninitialized (false positives in libstdc++ headers).
  target_compile_options(stagegate_warnings INTERFACE -Wno-maybe-uninitialized)
endif()
if(STAGEGATE_WERROR)
  target_compile_options(stagegate_warnings INTERFACE -Werror)
endif()
