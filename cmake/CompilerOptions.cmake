# Warnings, sanitizers and fuzzing flags applied to every target of the tree.

add_compile_options(-Wall -Wextra -Wpedantic -Wshadow -Wcast-align -Wunused
                    -Wimplicit-fallthrough -Wformat=2
                    $<$<COMPILE_LANGUAGE:CXX>:-Wnon-virtual-dtor>
                    $<$<COMPILE_LANGUAGE:CXX>:-Woverloaded-virtual>)
if(LLMCORE_WERROR)
  add_compile_options(-Werror)
endif()

if(LLMCORE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(LLMCORE_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LLMCORE_FUZZ needs clang (CMAKE_CXX_COMPILER=clang++)")
  endif()
  # Coverage instrumentation for every library; only the fuzz executables link
  # libFuzzer's main (tests/fuzz).
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

# For the static libraries that also go into libllmcore.so: UBSan's vptr and
# function checks need its C++ runtime, which a C program linking the library
# does not get. These libraries define no class hierarchies of their own, so
# the checks that remain (everything else UBSan does) lose nothing.
function(llmcore_linkable_from_c target)
  if(LLMCORE_SANITIZE)
    target_compile_options(${target} PRIVATE -fno-sanitize=vptr,function)
  endif()
endfunction()
