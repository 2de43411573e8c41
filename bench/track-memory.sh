#!/bin/bash
# Peak resident memory of `sam3rt track` against the number of frames tracked (issue 13: memory
# must not grow with the video). Builds folders of N frames (symbolic links that cycle through the
# tiny video fixture's 14 frames, back and forth), tracks two objects forward from frame 0 on
# the tiny model, and prints the peak RSS (GNU time's %M, KiB) of each run.
#   bench/track-memory.sh [SAM3RT] [N ...]      (default: build/release/sam3rt 50 1000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/sam3rt}
shift || true
counts=("${@:-50 1000}")
[[ $# -eq 0 ]] && counts=(50 1000)
fx=$root/tests/data/sam3-tiny-video
bpe=$root/tests/data/sam3-tiny/model/tiny-bpe.txt.gz
[[ -f $bpe ]] || bpe=$root/../shared/fixtures/sam3-tiny/model/tiny-bpe.txt.gz
frames=$fx/frames period=13
if [[ ${CONCEPT:-0} == 1 ]]; then
  frames=$root/tests/data/sam3-tiny-concept-video/frames period=19
  prompt=(--text ball --option score_threshold_detection=0.1885 --option new_det_thresh=0.1935
          --option det_nms_thresh=0.5 --option assoc_iou_thresh=0.00137)
else
  prompt=(--point 0:40,50 --obj 2 --box 0:100,65,135,100)
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for n in "${counts[@]}"; do
  mkdir -p "$tmp/v$n"
  for ((f = 0; f < n; ++f)); do
    k=$((f % (2 * period))); src=$((k <= period ? k : 2 * period - k))
    ln -s "$frames/$(printf %05d $src).png" "$tmp/v$n/$(printf %05d $f).png"
  done
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$tmp/rss$n" "$bin" track -m "$fx/model/sam3-tiny-video.pt" \
    --config "$fx/model/sam3-tiny-video.config.json" --tokenizer "$bpe" \
    --video "$tmp/v$n" "${prompt[@]}" --quiet --json "$tmp/out$n.jsonl" --device cpu
  end=$(date +%s.%N)
  echo "frames $n: peak RSS $(cat "$tmp/rss$n") KiB, $(wc -l < "$tmp/out$n.jsonl") lines, $(echo "$end - $start" | bc) s"
done
