# SAM3RT_ARCH_FLAGS: the target-CPU flags of the library and the benchmarks. The CPU kernels are
# plain loops that the compiler vectorises, so these flags choose the SIMD instruction set
# (src/backend/cpu/simd.h reports which one a build got). A toolchain file or the command line may
# set them (cmake/toolchains/aarch64-linux-gnu.cmake: -march=armv8-a, NEON); otherwise a native
# build tunes for the build machine.
if(NOT DEFINED SAM3RT_ARCH_FLAGS)
  if(APPLE AND CMAKE_SYSTEM_PROCESSOR MATCHES "^(arm64|aarch64)$")
    set(_sam3rt_apple_arm ON)
  endif()
  if(SAM3RT_NATIVE AND NOT CMAKE_CROSSCOMPILING AND NOT _sam3rt_apple_arm)
    set(SAM3RT_ARCH_FLAGS -march=native)
  else()
    # Apple clang already targets apple-m1 (NEON, FP16) on arm64 and needs no flag; cross builds
    # must not tune for the build host.
    set(SAM3RT_ARCH_FLAGS "")
  endif()
endif()
separate_arguments(SAM3RT_ARCH_FLAGS UNIX_COMMAND "${SAM3RT_ARCH_FLAGS}")
message(STATUS "sam3rt: target-CPU flags: ${SAM3RT_ARCH_FLAGS}")
