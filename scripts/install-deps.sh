#!/usr/bin/env bash
# Installs the system packages sam3rt needs, only when something is missing (idempotent).
# Debian/Ubuntu: apt-get. macOS: prints the Homebrew command instead of running it.
#   scripts/install-deps.sh          the native build (make build / make test)
#   scripts/install-deps.sh arm64    in addition, the aarch64 cross toolchain, Debian's arm64
#                                    multiarch libraries and qemu-user (make test-arm64)
#   scripts/install-deps.sh fuzz     in addition, clang and its libFuzzer runtime (make fuzz)
set -euo pipefail

MODE="${1:-native}"
PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libopenblas-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libicu-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
  libavformat-dev libavcodec-dev libswscale-dev libavutil-dev
  pybind11-dev python3-pybind11 python3-dev python3-numpy python3-pytest python3-distributed python3-pil
  libcpp-httplib-dev libssl-dev libbrotli-dev chromium
  libvulkan-dev glslc mesa-vulkan-drivers
  libdnnl-dev
)
# The last two lines: the Python module (python/, SAM3RT_PYTHON) and its tests — pybind11 and NumPy
# for Debian's python3, pytest, Dask's distributed scheduler (sam3rt.dask), Pillow (PIL images in);
# then `sam3rt serve` — cpp-httplib (with its TLS and brotli dependencies) and chromium for the
# browser test of its page. Then the Vulkan backend (SAM3RT_VULKAN, cmake/vulkan.cmake) — the
# loader and headers, glslc for its shaders, and Mesa's drivers, whose lavapipe (a Vulkan device on
# the CPU) runs the `vulkan` tests on a machine without a GPU. The last line: oneDNN (optional in
# CMake: SAM3RT_DNNL) for `--precision bf16` on the CPU (AMX / AVX-512-BF16).
# The cross build links arm64 libraries from the multiarch tree (/usr/lib/aarch64-linux-gnu);
# header-only nlohmann-json and CLI11 come from the host packages above. FFmpeg (optional) is
# left out: the arm64 build finds no arm64 FFmpeg and is configured without video files
# (SAM3RT_FFMPEG=AUTO). qemu-user-static registers nothing by itself here: ctest runs each binary
# through qemu-aarch64-static (CMAKE_CROSSCOMPILING_EMULATOR in cmake/toolchains/aarch64-linux-gnu.cmake).
ARM64_PACKAGES=(
  g++-aarch64-linux-gnu qemu-user-static
  libopenblas-dev:arm64 zlib1g-dev:arm64 libpng-dev:arm64 libjpeg62-turbo-dev:arm64
  libicu-dev:arm64 libgtest-dev:arm64
)

if [[ "$(uname -s)" == "Darwin" ]]; then
  echo "macOS: brew install cmake ninja ccache pkg-config libpng jpeg-turbo icu4c nlohmann-json cli11 googletest google-benchmark ffmpeg pybind11 vulkan-loader vulkan-headers molten-vk shaderc${1:+ llvm}"
  echo "macOS: BLAS comes from Accelerate (part of the OS); see docs/macos.md"
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian/Ubuntu system; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi
case "$MODE" in
  native) ;;
  arm64) PACKAGES+=("${ARM64_PACKAGES[@]}") ;;
  fuzz) PACKAGES+=(clang-14 libclang-rt-14-dev) ;;
  *) echo "install-deps: unknown mode '$MODE' (expected nothing, 'arm64' or 'fuzz')" >&2; exit 2 ;;
esac

# Ubuntu names the libjpeg-turbo dev package libjpeg-turbo8-dev.
if ! apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1 && apt-cache show libjpeg-turbo8-dev >/dev/null 2>&1; then
  PACKAGES=("${PACKAGES[@]/libjpeg62-turbo-dev/libjpeg-turbo8-dev}")
fi

# The browser test of `sam3rt serve` runs node; Debian's nodejs and npm unless a node is there
# already (NodeSource's nodejs carries its own npm and conflicts with Debian's npm package).
if [[ "$MODE" == "native" ]] && ! command -v npm >/dev/null 2>&1; then
  PACKAGES+=(nodejs npm)
fi

# playwright-core (the version pinned in tests/browser/package-lock.json) drives chromium in the
# browser test; installed once into tests/browser/node_modules (ignored by git), never at test time.
install_npm_packages() {
  local dir
  dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/browser"
  if [[ "$MODE" == "native" && ! -f "$dir/node_modules/playwright-core/package.json" ]]; then
    echo "install-deps: npm ci in tests/browser (playwright-core)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# A package installed for several architectures (after `install-deps.sh arm64`) is listed once per
# architecture: look for the one this entry means (its ":arch" suffix, else native or "all").
NATIVE_ARCH=$(dpkg --print-architecture)
missing=()
for p in "${PACKAGES[@]}"; do
  if [[ "$p" == *:* ]]; then want="${p##*:}"; else want="$NATIVE_ARCH|all"; fi
  dpkg-query -W -f='${Architecture} ${Status}\n' "$p" 2>/dev/null |
    grep -Eq "^($want) install ok installed$" || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  install_npm_packages
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if [[ "$MODE" == "arm64" ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  # Multiarch: arm64 packages install beside the native ones (Debian sources carry arm64).
  $SUDO dpkg --add-architecture arm64
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_npm_packages
