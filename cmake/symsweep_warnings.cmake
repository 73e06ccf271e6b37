# GCC 12 false positives, silenced only where they occur (found by building everything with
# -Wall -Wextra -Werror and neither flag; GCC 13 fixes both):
#
# -Wmaybe-uninitialized: GCC bug 105593. The AVX/AVX-512 intrinsic headers start some
#   intrinsics with `__m512 __Y = __Y;`; once Eigen's packet code is inlined (most of all its
#   AVX-512 products and reductions) GCC reports that self-initialisation as "may be used
#   uninitialized" in avx512fintrin.h/avxintrin.h. Every translation unit that instantiates
#   Eigen's vectorised kernels is affected: the numerical sources of core below, and the test
#   and benchmark programs that instantiate products themselves (whole targets, so that a new
#   test file needs no entry here).
#   Also the std::optional false positive (GCC bug 80635): copying a StepMetrics with its
#   optional vectors in sweeps/store.cpp.
# -Wrestrict: GCC bug 105329, a bogus overlap warning from std::string's inlined
#   memcpy in operator+ / insert (char_traits.h).
#
# A new translation unit that trips one of them under SYMSWEEP_WERROR goes into these lists.
set(SYMSWEEP_GCC12_MAYBE_UNINITIALIZED_SOURCES
  core/src/diagnostics.cpp core/src/irrep_potentials.cpp core/src/irreps.cpp core/src/model.cpp
  core/src/potentials.cpp core/src/scaling.cpp core/src/theorem2.cpp core/src/train.cpp
  sweeps/store/store.cpp)
# core's kernel objects, one target per level (core/CMakeLists.txt), as whole targets.
set(SYMSWEEP_GCC12_MAYBE_UNINITIALIZED_TARGETS test_core test_distributed bench_step
  symsweep_kernels_v3 symsweep_kernels_v4 symsweep_kernels_native)
set(SYMSWEEP_GCC12_RESTRICT_SOURCES core/src/group.cpp)

# Called at the end of the top-level CMakeLists.txt, once every target exists.
function(symsweep_gcc12_false_positives)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  foreach(kind MAYBE_UNINITIALIZED RESTRICT)
    string(TOLOWER "${kind}" flag)
    string(REPLACE "_" "-" flag "-Wno-${flag}")
    foreach(src IN LISTS SYMSWEEP_GCC12_${kind}_SOURCES)
      # The property belongs to the directory of the target that compiles the file: the
      # layer's top folder (core, distributed, sweeps), whose CMakeLists.txt defines it.
      string(REGEX MATCH "^[^/]+" dir ${src})
      if(SYMSWEEP_CORE_ONLY AND NOT dir STREQUAL "core")
        continue()  # that layer is not configured
      endif()
      set_property(SOURCE ${PROJECT_SOURCE_DIR}/${src} DIRECTORY ${PROJECT_SOURCE_DIR}/${dir}
                   APPEND PROPERTY COMPILE_OPTIONS ${flag})
    endforeach()
    foreach(target IN LISTS SYMSWEEP_GCC12_${kind}_TARGETS)
      if(TARGET ${target})
        target_compile_options(${target} PRIVATE ${flag})
      endif()
    endforeach()
  endforeach()
endfunction()
