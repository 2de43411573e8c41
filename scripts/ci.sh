#!/usr/bin/env bash
# The CI steps, run by .ci/run on a clean clone (2 cores). `scripts/ci.sh` runs every step in order;
# `scripts/ci.sh STEP...` runs the named ones. Each step prints its wall time. To add a step: write
# a step_<name> function and append <name> to STEPS.
#
#   format  clang-format on the C/C++ lines changed since the merge base with main
#   test    `make test` (the README's command: release build, whole suite) with -Werror
#   asan    AddressSanitizer + UBSan build (-Werror) and the suite minus `slow`
#   tsan    ThreadSanitizer build of the unit tests and the concurrency tests
#   cuda    when nvcc is present: compile the library with the CUDA backend (-Werror; no GPU needed)
#   fuzz    the libFuzzer targets (clang-14, ASan + UBSan), each for FUZZ_SMOKE_SECONDS from the
#           committed seeds; a crash, hang or out-of-memory fails (docs/fuzzing.md)
#   arm64   aarch64 cross build, unit/ops/parity suites under qemu-aarch64 (make test-arm64)
set -euo pipefail
cd "$(dirname "$0")/.."

STEPS=(format test asan tsan cuda fuzz arm64)
NVCC=${NVCC:-/usr/local/cuda/bin/nvcc}
BASE=${CI_BASE:-main}  # the branch changes are formatted against

step_format() {
  if ! command -v git-clang-format >/dev/null || ! git rev-parse --verify -q "$BASE" >/dev/null; then
    echo "format: skipped (needs git-clang-format and a '$BASE' branch; set CI_BASE)"
    return 0
  fi
  local base out
  base=$(git merge-base HEAD "$BASE")
  out=$(git clang-format --diff --extensions c,cc,cpp,h,hpp,cu,cuh "$base" -- || true)
  if [[ -n "$out" && "$out" != *"no modified files to format"* && "$out" != *"did not modify any files"* ]]; then
    echo "$out"
    echo "format: the lines above differ from .clang-format; run: git clang-format $base" >&2
    return 1
  fi
}

step_test() {
  bash scripts/install-deps.sh
  cmake --preset release -DSAM3RT_WERROR=ON >/dev/null
  make test
}

step_asan() {
  cmake --preset debug-asan -DSAM3RT_WERROR=ON >/dev/null
  cmake --build --preset debug-asan
  ctest --preset debug-asan
}

step_tsan() {
  cmake --preset debug-tsan -DSAM3RT_WERROR=ON >/dev/null
  cmake --build --preset debug-tsan --target test_unit
  # The concurrency tests (one model, many threads, different settings); TSan fails on any race.
  # OpenBLAS's own threads synchronise in uninstrumented code (false reports): BLAS on one thread,
  # the pool (the code under test) on all.
  OPENBLAS_NUM_THREADS=1 TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" \
    build/debug-tsan/tests/test_unit --gtest_filter='Concurrency.*'
}

step_cuda() {
  if [[ ! -x "$NVCC" ]] && ! command -v nvcc >/dev/null; then
    echo "cuda: skipped (no nvcc)"
    return 0
  fi
  [[ -x "$NVCC" ]] || NVCC=$(command -v nvcc)
  # Compile only (no GPU here): the library target, one architecture, in its own build folder.
  cmake --preset cuda-release -B build/ci-cuda -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES=90 \
    -DSAM3RT_WERROR=ON -DSAM3RT_BUILD_TESTS=OFF -DSAM3RT_BUILD_BENCH=OFF -DSAM3RT_BUILD_EXAMPLES=OFF >/dev/null
  cmake --build build/ci-cuda --target sam3rt
}

step_fuzz() {
  make fuzz FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-8}"
}

step_arm64() {
  make test-arm64
}

run_step() {
  local name=$1 start=$SECONDS
  echo "=== ci: $name"
  "step_$name"
  echo "=== ci: $name passed in $((SECONDS - start)) s"
}

if [[ $# -gt 0 ]]; then STEPS=("$@"); fi
for s in "${STEPS[@]}"; do run_step "$s"; done
