#!/usr/bin/env bash
# Instructions retired by one aarch64 sam3rt run under qemu-user (the only speed signal without
# Arm hardware): builds the counting plugin (insn-count.c) for the host, runs the given aarch64
# sam3rt binary single-threaded (one guest thread, so the shared counter is exact) on the
# bundled tiny model and demo image, and prints the count. Needs qemu-user (the dynamically
# linked qemu-aarch64: the static one cannot load plugins).
# Usage: bench/qemu/count-insns.sh BUILD_DIR   (e.g. build/aarch64-linux)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="$1"
plugin="$build/libinsn-count.so"
cc -O2 -shared -fPIC -fvisibility=hidden -o "$plugin" "$root/bench/qemu/insn-count.c"
tiny="$root/tests/data/sam3-tiny/model"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
qemu-aarch64 -plugin "$plugin" -d plugin -D "$out/insns.txt" \
  -E SAM3RT_NUM_THREADS=1 -E OPENBLAS_NUM_THREADS=1 \
  "$build/sam3rt" segment --model "$tiny/sam3-tiny.pt" --config "$tiny/sam3-tiny.config.json" \
  --tokenizer "$tiny/tiny-bpe.txt.gz" --image "$root/assets/demo/scene.png" --text car --threshold 0.1 \
  --device cpu --json "$out/result.json" --quiet
cat "$out/insns.txt"
