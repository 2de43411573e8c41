#!/usr/bin/env python3
"""The official SAM 3 video tracker's speed, for bench_track's comparison (issue 13): the SAM 2-style
`Sam3TrackerPredictor` as `model_builder.build_tracker(apply_temporal_disambiguation=True,
with_backbone=True)` builds it (released size), with the weights of a .sam3rt file (e.g. made by
`sam3rt convert --random-weights`), K objects clicked on frame 0 of a folder of JPEG frames
(the points bench_track uses), timed over `propagate_in_video` forward from frame 0 (preflight
included, frame loading and prompting not), medians of --runs fresh states. Float32: the bf16
autocast its constructor enters is exited and TF32 is off (as sam3rt computes); --bf16 keeps the
official default (autocast bf16, TF32 on).

    python3 bench/official-track-baseline.py --sam3 .official --model random.sam3rt --video frames/ \
        --objects 2 --runs 3
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
ap.add_argument("--model", required=True, help=".sam3rt (safetensors with official tensor names)")
ap.add_argument("--video", required=True, help="folder of <index>.jpg frames")
ap.add_argument("--objects", type=int, default=1)
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--bf16", action="store_true", help="the official default precision instead of float32")
args = ap.parse_args()

sys.path.insert(0, args.sam3)
spec = importlib.util.spec_from_file_location("regen", os.path.join(HERE, "..", "tools", "fixtures",
                                                                     "regenerate-sam3-tiny.py"))
regen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regen)
sys.meta_path.append(regen._StubFinder())  # training-only imports (decord, triton, ...) absent here

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
import sam3.model_builder as mb  # noqa: E402  (its import switches TF32 on)

if not args.bf16:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
predictor = mb.build_tracker(apply_temporal_disambiguation=True, with_backbone=True)
if not args.bf16:
    predictor.bf16_context.__exit__(None, None, None)
weights = load_file(args.model)
state = {}
for k, v in weights.items():
    if k.startswith("tracker."):
        state[k[len("tracker."):]] = v
    elif k.startswith("detector.backbone.vision_backbone."):
        state["backbone." + k[len("detector."):]] = v
missing, unexpected = predictor.load_state_dict(state, strict=False)
print(f"loaded {len(state)} tensors; missing {len(missing)} {missing[:4]}, unexpected {len(unexpected)} {unexpected[:4]}")
predictor = predictor.cuda().eval()

times = []
frames = 0
ctx = torch.autocast("cuda", enabled=args.bf16, dtype=torch.bfloat16)
for r in range(args.runs):
    with torch.inference_mode(), ctx:
        st = predictor.init_state(video_path=args.video)
        for k in range(args.objects):
            t = (k + 1.0) / (args.objects + 1.0)
            predictor.add_new_points_or_box(st, frame_idx=0, obj_id=k + 1, points=[[t, t]], labels=[1])
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        frames = 0
        for _ in predictor.propagate_in_video(st, start_frame_idx=0, max_frame_num_to_track=None, reverse=False,
                                              tqdm_disable=True, propagate_preflight=True):
            frames += 1
        torch.cuda.synchronize()
        s = time.perf_counter() - t0
    times.append(s)
    print(f"run {r}: {frames} frames in {s:.2f} s ({frames / s:.2f} frames/s)")
    del st
med = statistics.median(times)
print(f"official {'bf16' if args.bf16 else 'fp32'}: {frames} frames, {args.objects} object(s): "
      f"{frames / med:.2f} frames/s ({1000 * med / frames:.1f} ms/frame), median of {args.runs}")
