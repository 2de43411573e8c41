# Cross build for 64-bit Arm Linux on a Debian/Ubuntu x86-64 host: Debian's cross compiler
# (g++-aarch64-linux-gnu) and its arm64 multiarch libraries (libopenblas-dev:arm64, ...), tests
# run through qemu-user. `scripts/install-deps.sh arm64` installs all of it; `make test-arm64`
# uses this file through the `aarch64-linux` preset.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(SAM3RT_TRIPLE aarch64-linux-gnu)

set(CMAKE_C_COMPILER ${SAM3RT_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${SAM3RT_TRIPLE}-g++)

# Multiarch, not a separate sysroot: arm64 libraries live in /usr/lib/aarch64-linux-gnu and
# their arch-specific headers in /usr/include/aarch64-linux-gnu, both of which the Debian cross
# compiler already searches. CMake's find_* must look there for libraries and never pick the
# host's x86-64 ones; headers may come from /usr/include (architecture-independent, which is how
# the host's header-only nlohmann-json and CLI11 are used). Programs (ctest, pkg-config) are the
# host's.
set(CMAKE_LIBRARY_ARCHITECTURE ${SAM3RT_TRIPLE})
set(CMAKE_FIND_ROOT_PATH /usr/${SAM3RT_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
set(CMAKE_IGNORE_PATH /usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/cmake)
# pkg-config (the ICU fallback) must read the arm64 .pc files.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/${SAM3RT_TRIPLE}/pkgconfig:/usr/share/pkgconfig)

# ctest (and gtest_discover_tests) run every test binary through qemu. No -L / QEMU_LD_PREFIX:
# the binaries use the multiarch loader and libc (libc6:arm64, /lib/ld-linux-aarch64.so.1, pulled
# in by the :arm64 packages), which find the arm64 libraries through the host's ld.so.cache.
# Pointing qemu at the cross toolchain's tree (-L /usr/aarch64-linux-gnu) instead loads that
# tree's ld.so (glibc 2.36-8cross1) with the multiarch libc (2.36-9+deb12u*): the mismatch hung
# the first pthread_create, so every test that started sam3rt's thread pool timed out.
find_program(SAM3RT_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64
  DOC "qemu user-mode emulator for aarch64 (Debian: qemu-user-static)")
if(SAM3RT_QEMU_AARCH64)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${SAM3RT_QEMU_AARCH64})
endif()

# Portable baseline: ARMv8.0-A with Advanced SIMD (NEON), which every 64-bit Arm CPU has
# (Raspberry Pi 3/4 included). The CPU kernels are plain loops that GCC vectorises to NEON at -O3;
# the f16 conversions use the FCVTL/FCVTN instructions of the base ISA. Override for a known CPU,
# e.g. -DSAM3RT_ARCH_FLAGS="-mcpu=neoverse-n1" (Graviton 2) or "-mcpu=neoverse-v1" (Graviton 3).
set(SAM3RT_ARCH_FLAGS "-march=armv8-a" CACHE STRING "target-CPU flags for the library and benchmarks")
