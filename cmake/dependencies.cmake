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

# FFmpeg for video files (src/io/ffmpeg-*.cpp), optional: AUTO uses it when pkg-config finds all
# four libraries, ON requires it, OFF builds without it (folders of frames still work; video files
# and the video writer then say how to get them, src/io/video-without-ffmpeg.cpp). FFmpeg 4.4 or
# later (avformat_index_get_entries_count); Debian 12 has 5.1. The aarch64 cross build finds no
# arm64 FFmpeg unless its :arm64 packages are installed, and is then built without it.
set(SAM3RT_FFMPEG AUTO CACHE STRING "Video files through FFmpeg: AUTO (when found), ON (required) or OFF")
set_property(CACHE SAM3RT_FFMPEG PROPERTY STRINGS AUTO ON OFF)
set(SAM3RT_WITH_FFMPEG OFF)
string(TOUPPER "${SAM3RT_FFMPEG}" _sam3rt_ffmpeg_mode)
if(_sam3rt_ffmpeg_mode STREQUAL "AUTO" OR SAM3RT_FFMPEG)
  pkg_check_modules(FFMPEG QUIET IMPORTED_TARGET
    libavformat>=58.76.100 libavcodec>=58.134.100 libswscale>=5.9.100 libavutil>=56.70.100)
  if(FFMPEG_FOUND)
    set(SAM3RT_WITH_FFMPEG ON)
  elseif(NOT _sam3rt_ffmpeg_mode STREQUAL "AUTO")
    message(FATAL_ERROR "SAM3RT_FFMPEG=${SAM3RT_FFMPEG}: pkg-config did not find FFmpeg 4.4+ (libavformat, "
      "libavcodec, libswscale, libavutil); install libavformat-dev libavcodec-dev libswscale-dev libavutil-dev "
      "(scripts/install-deps.sh), or configure with -DSAM3RT_FFMPEG=OFF")
  endif()
endif()
message(STATUS "sam3rt: video files through FFmpeg: ${SAM3RT_WITH_FFMPEG}")

# oneDNN for `--precision bf16` on the CPU (src/backend/cpu/bf16-gemm.cpp: AMX / AVX-512-BF16
# matmuls), optional: AUTO uses it when found (Debian's libdnnl-dev, OpenMP runtime), ON requires
# it, OFF builds without it (bf16 on the CPU is then refused with a message that says so). The
# sanitizer presets turn it off: oneDNN's JIT kernels and its OpenMP runtime are not instrumented.
set(SAM3RT_DNNL AUTO CACHE STRING "bf16 on the CPU through oneDNN: AUTO (when found), ON (required) or OFF")
set_property(CACHE SAM3RT_DNNL PROPERTY STRINGS AUTO ON OFF)
set(SAM3RT_WITH_DNNL OFF)
string(TOUPPER "${SAM3RT_DNNL}" _sam3rt_dnnl_mode)
if(NOT APPLE AND (_sam3rt_dnnl_mode STREQUAL "AUTO" OR SAM3RT_DNNL))
  find_path(DNNL_INCLUDE_DIR oneapi/dnnl/dnnl.hpp)
  find_library(DNNL_LIBRARY NAMES dnnl)
  find_package(OpenMP QUIET COMPONENTS CXX)
  if(DNNL_INCLUDE_DIR AND DNNL_LIBRARY AND OpenMP_CXX_FOUND)
    set(SAM3RT_WITH_DNNL ON)
  elseif(NOT _sam3rt_dnnl_mode STREQUAL "AUTO")
    message(FATAL_ERROR "SAM3RT_DNNL=${SAM3RT_DNNL}: oneDNN (oneapi/dnnl/dnnl.hpp, libdnnl) or OpenMP not found; "
      "install libdnnl-dev (scripts/install-deps.sh), or configure with -DSAM3RT_DNNL=OFF")
  endif()
endif()
message(STATUS "sam3rt: bf16 on the CPU through oneDNN: ${SAM3RT_WITH_DNNL}")

add_library(sam3rt_deps INTERFACE)
if(OPENBLAS_INCLUDE_DIR)
  target_include_directories(sam3rt_deps INTERFACE ${OPENBLAS_INCLUDE_DIR})
endif()
target_compile_definitions(sam3rt_deps INTERFACE ${SAM3RT_BLAS_DEFINITIONS})
target_link_libraries(sam3rt_deps INTERFACE ${SAM3RT_BLAS_LIBS} PNG::PNG JPEG::JPEG ZLIB::ZLIB
  nlohmann_json::nlohmann_json ${SAM3RT_ICU_LIBS} Threads::Threads)
if(SAM3RT_WITH_FFMPEG)
  target_link_libraries(sam3rt_deps INTERFACE PkgConfig::FFMPEG)
endif()
# oneDNN: linked here; its header and SAM3RT_WITH_DNNL only for the one source that calls it
# (CMakeLists.txt), so the other sources' compile lines (and their ccache entries) do not change.
if(SAM3RT_WITH_DNNL)
  target_link_libraries(sam3rt_deps INTERFACE ${DNNL_LIBRARY} $<LINK_ONLY:OpenMP::OpenMP_CXX>)
endif()
