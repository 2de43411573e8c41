#!/usr/bin/env python3
"""The official SAM 3 image model's speed, for bench_image's comparison (issue 15): the model as
`model_builder.build_sam3_image_model` builds it (released size, its own random initialisation:
speed does not depend on the values), `Sam3Processor.set_image` + `set_text_prompt` on one
SIZE×SIZE RGB image, medians of --runs runs after a warm-up, each mode in turn:
fp32 (TF32 off), tf32 (the builder's default) and bf16 (torch.autocast bfloat16 around both calls,
TF32 on: what the official code runs when its tracker is built).

    python3 bench/official-image-baseline.py --sam3 .official --runs 5
"""
import argparse
import importlib.util
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

ap = argparse.ArgumentParser()
ap.add_argument("--sam3", required=True, help="folder holding the official sam3/ package")
ap.add_argument("--runs", type=int, default=5)
ap.add_argument("--size", type=int, default=1008)
ap.add_argument("--text", default="a cat")
ap.add_argument("--modes", default="fp32,tf32,bf16")
args = ap.parse_args()

sys.path.insert(0, args.sam3)
spec = importlib.util.spec_from_file_location("regen", os.path.join(HERE, "..", "tools", "fixtures",
                                                                     "regenerate-sam3-tiny.py"))
regen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regen)
sys.meta_path.append(regen._StubFinder())  # training-only imports (decord, triton, ...) absent here

import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image  # noqa: E402
import sam3.model_builder as mb  # noqa: E402  (its import switches TF32 on)
from sam3.model.sam3_image_processor import Sam3Processor  # noqa: E402

torch.manual_seed(0)
bpe = os.path.join(args.sam3, "sam3", "assets", "bpe_simple_vocab_16e6.txt.gz")
model = mb.build_sam3_image_model(bpe_path=bpe, device="cuda", load_from_HF=False, checkpoint_path=None)
processor = Sam3Processor(model, resolution=1008, device="cuda", confidence_threshold=0.5)
rng = np.random.default_rng(0)
image = Image.fromarray(rng.integers(0, 256, (args.size, args.size, 3), dtype=np.uint8))

print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}, official Sam3Processor, "
      f"{args.size}x{args.size} image + text '{args.text}', medians of {args.runs} runs after a warm-up")
for mode in args.modes.split(","):
    tf32 = mode != "fp32"
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32
    # One autocast region around every run, as the official tracker enters its bf16 context once in
    # its constructor (the casts of the weights are then cached across calls).
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=mode == "bf16")
    image_ms, total_ms = [], []
    with torch.inference_mode(), autocast:
        for r in range(args.runs + 1):
            torch.cuda.synchronize()
            t0 = time.perf_counter()
            state = processor.set_image(image)
            torch.cuda.synchronize()
            t1 = time.perf_counter()
            processor.set_text_prompt(args.text, state)
            torch.cuda.synchronize()
            t2 = time.perf_counter()
            if r > 0:
                image_ms.append(1e3 * (t1 - t0))
                total_ms.append(1e3 * (t2 - t0))
    med = statistics.median(total_ms)
    print(f"  official {mode:5s} image {statistics.median(image_ms):.2f} ms, image + text prompt {med:.2f} ms, "
          f"{1e3 / med:.2f} images/s (runs {[round(x, 1) for x in total_ms]})")
