# System dependencies, found through the platform's package manager installs (Debian packages on
# Linux; Homebrew on macOS). Nothing is downloaded.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PNG REQUIRED)
find_package(JPEG REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
# ICU: CMake's own FindICU first (works without pkg-config files), then pkg-config.
find_package(ICU QUIET COMPONENTS uc i18n)
if(ICU_FOUND)
  set(SAM3RT_ICU_LIBS ICU::uc ICU::i18n)
else()
  pkg_check_modules(ICU REQUIRED IMPORTED_TARGET icu-uc icu-i18n)
  set(SAM3RT_ICU_LIBS PkgConfig::ICU)
endif()

if(APPLE)
  # Accelerate's BLAS (AMX on Apple Silicon). The new interface (macOS 13.3+ SDKs) is the
  # maintained one; 32-bit integers as in OpenBLAS's cblas.h (no ACCELERATE_LAPACK_ILP64).
  # Not yet built on a real Mac: docs/macos.md.
  option(SAM3RT_ACCELERATE_NEW_LAPACK "Use Accelerate's new BLAS/LAPACK interface (macOS 13.3+ SDK)" ON)
  find_library(ACCELERATE Accelerate REQUIRED)
  set(SAM3RT_BLAS_LIBS ${ACCELERATE})
  set(SAM3RT_BLAS_DEFINITIONS SAM3RT_BLAS_ACCELERATE)
  if(SAM3RT_ACCELERATE_NEW_LAPACK)
    list(APPEND SAM3RT_BLAS_DEFINITIONS ACCELERATE_NEW_LAPACK)
  endif()
else()
  find_path(OPENBLAS_INCLUDE_DIR cblas.h
    PATH_SUFFIXES openblas-pthread openblas x86_64-linux-gnu/openblas-pthread aarch64-linux-gnu/openblas-pthread
    REQUIRED)
  find_library(OPENBLAS_LIBRARY NAMES openblas REQUIRED)
  set(SAM3RT_BLAS_LIBS ${OPENBLAS_LIBRARY})
endif()

add_library(sam3rt_deps INTERFACE)
if(OPENBLAS_INCLUDE_DIR)
  target_include_directories(sam3rt_deps INTERFACE ${OPENBLAS_INCLUDE_DIR})
endif()
target_compile_definitions(sam3rt_deps INTERFACE ${SAM3RT_BLAS_DEFINITIONS})
target_link_libraries(sam3rt_deps INTERFACE ${SAM3RT_BLAS_LIBS} PNG::PNG JPEG::JPEG ZLIB::ZLIB
  nlohmann_json::nlohmann_json ${SAM3RT_ICU_LIBS} Threads::Threads)
