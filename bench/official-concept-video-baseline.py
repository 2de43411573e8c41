#!/usr/bin/env python3
"""The official SAM 3 concept-video pipeline's speed, for the comparison of issue 14: the model as
`model_builder.build_sam3_video_model` builds it (released size), driven like
`Sam3VideoPredictor.handle_request` (start_session on a folder of JPEG frames, add_prompt with a
text on frame 0, propagate_in_video forward), with the weights of a .sam3rt file (e.g. made by
`sam3rt convert --random-weights`: official tensor names). Timed: add_prompt + the whole forward
propagation (the session's up-front loading of every frame into GPU memory is timed apart),
medians of --runs fresh sessions, and the peak GPU memory. Float32: TF32 off after the import and
the bf16 autocast the tracker's constructor enters exited (as sam3rt computes); --bf16 keeps the
official default (autocast bf16, TF32 on).

Random weights detect nothing at the official thresholds; --score-threshold / --new-det-thresh
lower them (pass the same values to sam3rt) so that masklets are born and tracked.

    python3 bench/official-concept-video-baseline.py --sam3 .official --model random.sam3rt \
        --video frames/ --text "a person" --runs 3 [--score-threshold 0.2 --new-det-thresh 0.2]
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
ap.add_argument("--text", default="a person")
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--score-threshold", type=float, default=None, help="score_threshold_detection (0.5)")
ap.add_argument("--new-det-thresh", type=float, default=None, help="new_det_thresh (0.7)")
ap.add_argument("--max-num-objects", type=int, default=None,
                help="max_num_objects (no limit): caps the masklets, as bench_concept_video's --option max_num_objects=N")
ap.add_argument("--bf16", action="store_true", help="the official default precision instead of float32")
args = ap.parse_args()

sys.path.insert(0, args.sam3)
spec = importlib.util.spec_from_file_location("regen", os.path.join(HERE, "..", "tools", "fixtures",
                                                                     "regenerate-sam3-tiny.py"))
regen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regen)
finder = regen._StubFinder()
# The mask NMS takes torch_generic_nms when it imports: a stand-in would be taken for the real one
# (as in tools/fixtures/generate-sam3-tiny-concept-video.py); without it the official Triton kernel runs.
finder.absent.discard("torch_generic_nms")
sys.meta_path.append(finder)  # training-only imports absent here

import torch  # noqa: E402
from safetensors.torch import load_file  # noqa: E402
import sam3.model_builder as mb  # noqa: E402  (its import switches TF32 on)
from sam3.model.sam3_video_predictor import Sam3VideoPredictor  # noqa: E402

if not args.bf16:
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
bpe = os.path.join(args.sam3, "sam3", "assets", "bpe_simple_vocab_16e6.txt.gz")
if not os.path.exists(bpe):
    bpe = os.path.join(args.sam3, "assets", "bpe_simple_vocab_16e6.txt.gz")
model = mb.build_sam3_video_model(checkpoint_path=None, load_from_HF=False, bpe_path=bpe, device="cuda")
if not args.bf16:
    model.tracker.bf16_context.__exit__(None, None, None)
weights = {k: v for k, v in load_file(args.model).items() if k.startswith(("detector.", "tracker."))}
missing, unexpected = model.load_state_dict(weights, strict=False)
print(f"loaded {len(weights)} tensors; missing {len(missing)} {missing[:4]}, unexpected {len(unexpected)} {unexpected[:4]}")
if args.score_threshold is not None:
    model.score_threshold_detection = args.score_threshold
if args.new_det_thresh is not None:
    model.new_det_thresh = args.new_det_thresh
if args.max_num_objects is not None:
    model.max_num_objects = args.max_num_objects
model = model.cuda().eval()
predictor = object.__new__(Sam3VideoPredictor)  # its constructor would build and load another model
predictor.model, predictor.async_loading_frames, predictor.video_loader_type = model, False, "cv2"

times, loads, peaks, objects = [], [], [], []
frames = 0
ctx = torch.autocast("cuda", enabled=args.bf16, dtype=torch.bfloat16)
for r in range(args.runs):
    torch.cuda.reset_peak_memory_stats()
    with torch.inference_mode(), ctx:
        t0 = time.perf_counter()
        sid = predictor.handle_request({"type": "start_session", "resource_path": args.video})["session_id"]
        torch.cuda.synchronize()
        t1 = time.perf_counter()
        predictor.handle_request({"type": "add_prompt", "session_id": sid, "frame_index": 0, "text": args.text})
        frames, seen = 0, set()
        for response in predictor.handle_stream_request({"type": "propagate_in_video", "session_id": sid,
                                                          "propagation_direction": "forward"}):
            frames += 1
            seen.update(int(i) for i in response["outputs"]["out_obj_ids"])
        torch.cuda.synchronize()
        t2 = time.perf_counter()
        predictor.handle_request({"type": "close_session", "session_id": sid})
    loads.append(t1 - t0)
    times.append(t2 - t1)
    peaks.append(torch.cuda.max_memory_allocated() / 2**20)
    objects.append(len(seen))
    print(f"run {r}: load {t1 - t0:.2f} s; {frames} frames in {t2 - t1:.2f} s ({frames / (t2 - t1):.2f} frames/s), "
          f"{len(seen)} object ids, peak GPU {peaks[-1]:.0f} MiB")
med = statistics.median(times)
print(f"official {'bf16' if args.bf16 else 'fp32'} concept video: {frames} frames, text '{args.text}': "
      f"{frames / med:.2f} frames/s ({1000 * med / frames:.1f} ms/frame), median of {args.runs}; "
      f"frame loading {statistics.median(loads):.2f} s apart; peak GPU {max(peaks):.0f} MiB; objects {objects}")
