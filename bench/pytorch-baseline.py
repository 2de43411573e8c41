"""PyTorch CPU baseline for `sam3rt segment`: transformers' Sam3Model (released configuration,
random weights) on one 1008x1008 image and one text prompt, same thread count. Speed only: the
HF port is not the numerical reference (spec §18).

    python3 bench/pytorch-baseline.py --threads 16 --runs 3
    python3 bench/pytorch-baseline.py --device cuda --runs 5     # fp32, TF32 off (as sam3rt computes)
"""
import argparse
import statistics
import time

import torch
from transformers import Sam3Config, Sam3Model

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=torch.get_num_threads())
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--device", default="cpu", help="cpu or cuda")
ap.add_argument("--tf32", action="store_true", help="allow TF32 on CUDA (default: exact fp32, like sam3rt)")
args = ap.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(0)
torch.backends.cuda.matmul.allow_tf32 = args.tf32
torch.backends.cudnn.allow_tf32 = args.tf32
dev = torch.device(args.device)


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


model = Sam3Model(Sam3Config()).eval().to(dev)
pixels = torch.randn(1, 3, 1008, 1008, device=dev)
ids = torch.randint(1, 49000, (1, 32), device=dev)
mask = torch.ones(1, 32, dtype=torch.long, device=dev)
with torch.inference_mode():  # warm-up (CUDA context, cuDNN/cuBLAS heuristics)
    model(pixel_values=pixels, input_ids=ids, attention_mask=mask)
    sync()

vision, total = [], []
with torch.inference_mode():
    for _ in range(args.runs):
        t0 = time.perf_counter()
        feats = model.get_vision_features(pixel_values=pixels)
        sync()
        t1 = time.perf_counter()
        model(pixel_values=pixels, input_ids=ids, attention_mask=mask)
        sync()
        t2 = time.perf_counter()
        vision.append(t1 - t0)
        total.append(t2 - t1)
where = f"{torch.cuda.get_device_name(0)} TF32 {'on' if args.tf32 else 'off'}" if dev.type == "cuda" else f"{args.threads} threads"
print(f"torch {torch.__version__}, {where}: vision encoder median {statistics.median(vision):.2f} s, "
      f"full forward (image + text) median {statistics.median(total):.2f} s  (runs: {[round(x, 2) for x in total]})")
