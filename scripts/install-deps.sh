#!/usr/bin/env bash
# Installs the system packages sam3rt needs, only when something is missing (idempotent).
# Debian/Ubuntu: apt-get. macOS: prints the Homebrew command instead of running it.
# `install-deps.sh fuzz` also installs clang and its libFuzzer runtime (only `make fuzz` needs them).
set -euo pipefail

PACKAGES=(
  cmake ninja-build g++ pkg-config ccache
  libopenblas-dev zlib1g-dev libpng-dev libjpeg62-turbo-dev libicu-dev
  nlohmann-json3-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
)
if [[ "${1:-}" == "fuzz" ]]; then
  PACKAGES+=(clang-14 libclang-rt-14-dev)
fi

if [[ "$(uname -s)" == "Darwin" ]]; then
  echo "macOS: brew install cmake ninja ccache pkg-config libpng jpeg-turbo icu4c nlohmann-json cli11 googletest google-benchmark${1:+ llvm}"
  exit 0
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "install-deps: not a Debian/Ubuntu system; install the equivalents of: ${PACKAGES[*]}" >&2
  exit 0
fi

# Ubuntu names the libjpeg-turbo dev package libjpeg-turbo8-dev.
if ! apt-cache show libjpeg62-turbo-dev >/dev/null 2>&1 && apt-cache show libjpeg-turbo8-dev >/dev/null 2>&1; then
  PACKAGES=("${PACKAGES[@]/libjpeg62-turbo-dev/libjpeg-turbo8-dev}")
fi

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
