#!/usr/bin/env bash
# `make run`: segment the bundled demo image.
#   no MODEL      → the bundled tiny test model (random weights: the masks are meaningless, the
#                   run proves the whole pipeline works on a fresh clone without downloads)
#   MODEL=path    → that model (sam3.pt, a .sam3rt file or a Hugging Face folder) on the demo image
# Usage: run-demo.sh SAM3RT_BINARY [MODEL] [OUT_DIR]; TEXT (default "car"), DEVICE (default auto)
# and TOKENIZER (CLIP merges for a bare sam3.pt) come from the environment.
set -euo pipefail
bin="$1"; model="${2:-}"; out="${3:-out}"
root="$(cd "$(dirname "$0")/.." && pwd)"
tiny="$root/tests/data/sam3-tiny/model"
image="$root/assets/demo/scene.png"
text="${TEXT:-car}"
device="${DEVICE:-auto}"

"$bin" --version
"$bin" devices
echo

if [[ -z "$model" ]]; then
  echo "No MODEL given: using the bundled tiny test model ($tiny/sam3-tiny.pt)."
  echo "Its weights are RANDOM, so the masks and scores below are meaningless; the run only shows"
  echo "that the pipeline works end to end (its scores are low, so the threshold is lowered to 0.1)."
  echo "For real results: make run MODEL=/path/to/sam3.pt"
  echo "(the gated facebook/sam3 checkpoint) or MODEL=/path/to/hf-folder."
  echo
  set -x
  "$bin" segment --model "$tiny/sam3-tiny.pt" --config "$tiny/sam3-tiny.config.json" \
    --tokenizer "$tiny/tiny-bpe.txt.gz" --image "$image" --text "$text" --threshold 0.1 \
    --device "$device" --out "$out"
  { set +x; } 2>/dev/null
else
  # A bare sam3.pt carries no tokenizer: take TOKENIZER=..., else CLIP's merges file beside it.
  tokenizer="${TOKENIZER:-}"
  if [[ -z "$tokenizer" && -f "$model" && -f "$(dirname "$model")/bpe_simple_vocab_16e6.txt.gz" ]]; then
    tokenizer="$(dirname "$model")/bpe_simple_vocab_16e6.txt.gz"
  fi
  set -x
  "$bin" segment --model "$model" ${tokenizer:+--tokenizer "$tokenizer"} --image "$image" --text "$text" \
    --device "$device" --out "$out"
  { set +x; } 2>/dev/null
fi

echo
echo "Outputs in $out/:"
echo "  overlay: $out/scene_overlay.png"
echo "  masks:   $(ls "$out"/scene_p*_i*.png 2>/dev/null | wc -l) file(s) $out/scene_p<prompt>_i<k>.png (0/255, original size)"
echo "  JSON:    $out/result.json (scores, boxes, COCO RLE masks, timings)"
