"""sam3rt against transformers' Sam3Model on the CPU, in one run on the same machine: one
synthetic photo (default 1280x720) + one text prompt, released architecture with random weights,
fp32 and bf16 (PyTorch: CPU bf16 autocast; sam3rt: --precision bf16), medians of --runs after
--warmup, at each --threads count. Also a further text prompt on the already encoded image
(PyTorch: model(vision_embeds=...); sam3rt: its per-prompt time) and peak RSS. Prints the ratios
the issue asks for (sam3rt / PyTorch).

    python3 bench/pytorch-cpu.py --sam3rt build/release/sam3rt --threads 16 4 --runs 3

PyTorch's image + text time includes the resize to 1008x1008 and normalisation (sam3rt's stage
"preprocess" is in its total too). Speed only: the HF port is not the numerical reference.
"""
import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--sam3rt", help="the sam3rt binary (omit to time PyTorch only)")
ap.add_argument("--threads", type=int, nargs="+", default=[16, 4])
ap.add_argument("--runs", type=int, default=3)
ap.add_argument("--warmup", type=int, default=1, help="untimed runs before the bf16 ones (oneDNN creates its kernels)")
ap.add_argument("--warmup-fp32", type=int, default=0,
                help="untimed runs before the fp32 ones (the median of the timed runs absorbs a slower first)")
ap.add_argument("--image", default="1280x720")
ap.add_argument("--precisions", nargs="+", default=["fp32", "bf16"])
ap.add_argument("--skip-pytorch", action="store_true")
ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)  # one PyTorch measurement, JSON out
args = ap.parse_args()
W, H = (int(v) for v in args.image.split("x"))


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def warmup(precision):
    return args.warmup if precision == "bf16" else args.warmup_fp32


def run_sam3rt(threads, precision):
    cmd = [args.sam3rt, "bench", "--threads", str(threads), "--precision", precision, "--image", args.image,
           "--runs", str(args.runs), "--warmup", str(warmup(precision)), "--json"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        print(f"sam3rt bench failed ({' '.join(cmd)}):\n{p.stdout}{p.stderr}", file=sys.stderr)
        return None
    return json.loads(p.stdout[p.stdout.index("{"):])


def run_pytorch(threads):
    """Times Sam3Model in this process: fp32, then bf16 autocast (peak RSS is cumulative)."""
    import torch
    import torch.nn.functional as F
    from transformers import Sam3Config, Sam3Model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    model = Sam3Model(Sam3Config()).eval()
    photo = torch.randint(0, 256, (1, 3, H, W), dtype=torch.uint8)
    mean = torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1)
    std = torch.tensor([0.5, 0.5, 0.5]).view(1, 3, 1, 1)
    ids = torch.randint(1, 49000, (1, 32))
    mask = torch.ones(1, 32, dtype=torch.long)
    out = {}
    for precision in args.precisions:
        ctx = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if precision == "bf16" else torch.inference_mode
        full, prompt = [], []
        with torch.inference_mode():
            for r in range(warmup(precision) + args.runs):
                with ctx():
                    t0 = time.perf_counter()
                    pixels = (F.interpolate(photo.float() / 255.0, size=(1008, 1008), mode="bilinear",
                                            align_corners=False) - mean) / std
                    vision = model.get_vision_features(pixel_values=pixels)
                    model(vision_embeds=vision, input_ids=ids, attention_mask=mask)
                    t1 = time.perf_counter()
                    model(vision_embeds=vision, input_ids=ids, attention_mask=mask)
                    t2 = time.perf_counter()
                if r >= warmup(precision):
                    full.append(t1 - t0)
                    prompt.append(t2 - t1)
        out[precision] = {"image_plus_text_s": med(full), "prompt_s": med(prompt), "runs": full,
                          "peak_rss_mib_so_far": rss_mib()}
    return out


if args.child:
    print(json.dumps(run_pytorch(args.threads[0])))
    sys.exit(0)

results = {}
for threads in args.threads:
    row = {"threads": threads}
    if args.sam3rt:
        for precision in args.precisions:
            row["sam3rt_" + precision] = run_sam3rt(threads, precision)
    if not args.skip_pytorch:
        # A fresh process per thread count, so that each peak RSS is its own.
        p = subprocess.run([sys.executable, __file__, "--child", "--threads", str(threads), "--runs", str(args.runs),
                            "--warmup", str(args.warmup), "--warmup-fp32", str(args.warmup_fp32), "--image", args.image,
                            "--precisions", *args.precisions],
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(f"PyTorch run failed:\n{p.stderr[-3000:]}", file=sys.stderr)
        else:
            row["pytorch"] = json.loads(p.stdout[p.stdout.index("{"):])
    results[threads] = row

print(json.dumps(results, indent=1, default=str))
print()
print(f"image {args.image}, one text prompt, medians of {args.runs} (after {args.warmup_fp32} fp32 / {args.warmup} bf16 "
      f"warm-up runs)")
for threads, row in results.items():
    pt = row.get("pytorch", {})
    for precision in args.precisions:
        s = row.get("sam3rt_" + precision)
        p = pt.get(precision)
        st = (s["image_plus_prompts_median_ms"] / 1e3) if s else float("nan")
        sp = (s["prompt_median_ms"] / 1e3) if s else float("nan")
        bb = next((x["median_ms"] / 1e3 for x in s["stages"] if x["stage"] == "backbone"), float("nan")) if s else float("nan")
        line = f"{threads:>2} threads {precision}: sam3rt {st:.2f} s (backbone {bb:.2f}, further prompt {sp:.2f} s"
        if s:
            line += f", peak RSS {s['peak_rss_mib']:.0f} MiB"
        line += ")"
        if p:
            line += (f" | Sam3Model {p['image_plus_text_s']:.2f} s (further prompt {p['prompt_s']:.2f} s, peak RSS so far "
                     f"{p['peak_rss_mib_so_far']:.0f} MiB) | ratio {st / p['image_plus_text_s']:.2f}x, prompt "
                     f"{sp / p['prompt_s']:.2f}x")
        print(line)
    if "fp32" in pt and row.get("sam3rt_bf16"):
        print(f"{threads:>2} threads: sam3rt bf16 / Sam3Model fp32 = "
              f"{row['sam3rt_bf16']['image_plus_prompts_median_ms'] / 1e3 / pt['fp32']['image_plus_text_s']:.2f}x")
    for precision in args.precisions:
        s = row.get("sam3rt_" + precision)
        if s:
            g = {x["stage"]: x for x in s["stages"]}
            ref = s.get("bf16_gemm_gflops") if precision == "bf16" else s["sgemm_gflops"]
            print(f"{threads:>2} threads {precision}: backbone {g['backbone']['gflops']:.0f} GFLOP/s against a bare "
                  f"{'bf16 GEMM' if precision == 'bf16' else 'sgemm'} {ref:.0f} GFLOP/s "
                  f"({100 * g['backbone']['gflops'] / ref:.0f}%)")
