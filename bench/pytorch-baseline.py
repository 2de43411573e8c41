"""PyTorch CPU baseline for `sam3rt segment`: transformers' Sam3Model (released configuration,
random weights) on one 1008x1008 image and one text prompt, same thread count. Speed only: the
HF port is not the numerical reference (spec §18).

    python3 bench/pytorch-baseline.py --threads 16 --runs 3
"""
import argparse
import statistics
import time

import torch
from transformers import Sam3Config, Sam3Model

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=torch.get_num_threads())
ap.add_argument("--runs", type=int, default=3)
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)

model = Sam3Model(Sam3Config()).eval()
pixels = torch.randn(1, 3, 1008, 1008)
ids = torch.randint(1, 49000, (1, 32))
mask = torch.ones(1, 32, dtype=torch.long)

vision, total = [], []
with torch.inference_mode():
    for _ in range(args.runs):
        t0 = time.perf_counter()
        feats = model.get_vision_features(pixel_values=pixels)
        t1 = time.perf_counter()
        model(pixel_values=pixels, input_ids=ids, attention_mask=mask)
        t2 = time.perf_counter()
        vision.append(t1 - t0)
        total.append(t2 - t1)
print(f"torch {torch.__version__}, {args.threads} threads: vision encoder median {statistics.median(vision):.2f} s, "
      f"full forward (image + text) median {statistics.median(total):.2f} s  (runs: {[round(x, 2) for x in total]})")
