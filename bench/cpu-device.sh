#!/bin/bash
# The CPU numbers of issue 16 on the GPU machine's Xeon (Ubuntu 24.04, g++ 13, OpenBLAS): builds
# sam3rt (release preset, -march=native, oneDNN for bf16) from this tree and runs
# bench/pytorch-cpu.py, which times, in one run, for 16 and 4 threads (medians of 3; one warm-up
# run before the bf16 ones): sam3rt fp32 and bf16 image + text and a further text prompt on the
# encoded image (`sam3rt bench`, random weights, 1280x720), transformers' Sam3Model fp32 and under
# CPU bf16 autocast on the same input, peak RSS, and the ratios. About 6–8 minutes (estimated from the
# issue's timings: not yet run there).
#
#   bash bench/cpu-device.sh              (from the repository root; $OUT gets the logs)
#
# Debian packages unpacked from .debs/ (dpkg -x, no root needed), besides those the other device
# scripts carry: libdnnl2_2.6.3-1_amd64.deb, libdnnl-dev_2.6.3-1_amd64.deb and
# ocl-icd-libopencl1_2.3.1-1_amd64.deb (libdnnl.so.2 links libOpenCL.so.1). ICU from
# .debs/icu72.tar.xz when present. Python needs torch and transformers (with Sam3Model).
# THREADS, RUNS, WARMUP (bf16), WARMUP_FP32 override the defaults (16 4, 3, 1, 0).
set -uo pipefail
OUT=${OUT:-/tmp/cpu-device-out}
mkdir -p /tmp/deps "$OUT"
for f in .debs/*.deb; do dpkg -x "$f" /tmp/deps; done
[ -f .debs/icu72.tar.xz ] && tar -xJf .debs/icu72.tar.xz -C /tmp/deps
export PATH=/tmp/deps/usr/bin:$PATH LD_LIBRARY_PATH=/tmp/deps/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
export CMAKE_PREFIX_PATH=/tmp/deps/usr
t0=$(date +%s)
lscpu | grep -E "^Model name|^CPU\(s\)|^Thread|^Socket" | sed 's/  */ /g'
echo "bf16 flags: $(grep -o -w -E 'avx512_bf16|amx_bf16|amx_tile' /proc/cpuinfo | sort -u | tr '\n' ' ')"
echo "load: $(cat /proc/loadavg)"
cmake --preset release -DICU_ROOT=/tmp/deps/usr -DSAM3RT_DNNL=ON -DSAM3RT_BUILD_TESTS=OFF -DSAM3RT_BUILD_BENCH=OFF \
  -DSAM3RT_BUILD_EXAMPLES=OFF -DSAM3RT_PYTHON=OFF > "$OUT/cmake.log" 2>&1 || { tail -30 "$OUT/cmake.log"; exit 1; }
cmake --build build/release -j"$(nproc)" --target sam3rt_cli > "$OUT/build.log" 2>&1 ||
  { grep -B2 -A8 "error" "$OUT/build.log" | head -60; exit 1; }
echo "build $(( $(date +%s) - t0 )) s"
build/release/sam3rt devices 2>&1 | head -5
python3 -c "import torch, transformers; print('torch', torch.__version__, 'transformers', transformers.__version__)"
PYTHONUNBUFFERED=1 python3 bench/pytorch-cpu.py --sam3rt build/release/sam3rt --threads ${THREADS:-16 4} \
  --runs "${RUNS:-3}" --warmup "${WARMUP:-1}" --warmup-fp32 "${WARMUP_FP32:-0}" --image 1280x720 > "$OUT/compare.log" 2> "$OUT/compare.err"
rc=$?
grep -v '^\s*$' "$OUT/compare.err" | grep -v -i warn | tail -5
sed -n '/^image /,$p' "$OUT/compare.log"
echo "load: $(cat /proc/loadavg); total $(( $(date +%s) - t0 )) s"
exit $rc
