#!/usr/bin/python3
"""Overhead of the Python binding over the C++ API on tiny-model calls.

The machine is shared and its speed swings by tens of percent within seconds, far more than the
overhead being measured, so the comparison is paired: in this one process, on one session, each
iteration runs the work once through the C++ API alone (ImageSession._time_cpp_api: sam3rt.hpp's
predict, timed inside C++) and once through the binding (session.segment, timed here around the
Python call: argument parsing, GIL release, lock, the same C++ call, NumPy results), alternating
which goes first. Reported: medians of each side and the median of the per-iteration difference;
and the median difference of the time each side spends outside the engine's timed stages (wall
minus the stage timings the engine reports), which leaves the load's swings out.
A cross-check runs the bench_api_call program (the C++ API in its own process) in rounds.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/python-overhead.py \
        [--calls 2000] [--threads 1] [--bench build/release/bench/bench_api_call --rounds 5]

Modes: predict (segment on an encoded image: the shortest call, where a fixed overhead weighs
most) and image (set_image(path) + segment).
"""

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import time

import sam3rt

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "sam3-tiny"
MODEL = TINY / "model" / "sam3-tiny.pt"
CONFIG = TINY / "model" / "sam3-tiny.config.json"
TOKENIZER = TINY / "model" / "tiny-bpe.txt.gz"
IMAGE = str(TINY / "images" / "scene_200x150.png")
TEXT = "red truck"


def python_call(session, mode):
    """(wall us, us inside the engine's timed stages) of one call through the binding."""
    t0 = time.perf_counter()
    if mode == "image":
        session.set_image(IMAGE)
    r = session.segment(TEXT)
    wall = (time.perf_counter() - t0) * 1e6
    stages = sum(r.timings.values()) + (sum(session.image_timings.values()) if mode == "image" else 0)
    return wall, stages * 1e3


def cpp_call(session, mode):
    return session._time_cpp_api(TEXT, IMAGE if mode == "image" else None)


def paired(session, mode, calls, warmup=20):
    for _ in range(warmup):
        python_call(session, mode)
        cpp_call(session, mode)
    cpp, py, diff, outside = [], [], [], []
    for i in range(calls):
        if i % 2:
            c, p = cpp_call(session, mode), python_call(session, mode)
        else:
            p, c = python_call(session, mode), cpp_call(session, mode)
        cpp.append(c[0])
        py.append(p[0])
        diff.append(p[0] - c[0])
        # time outside the engine's stages, per side: the stages are where the machine's load
        # swings land, so this difference isolates the binding from them
        outside.append((p[0] - p[1]) - (c[0] - c[1]))
    c, p = statistics.median(cpp), statistics.median(py)
    d, o = statistics.median(diff), statistics.median(outside)
    return {"mode": mode, "calls": calls, "cpp_api_median_us": round(c, 1), "python_median_us": round(p, 1),
            "overhead_median_us": round(d, 1), "overhead_pct": round(100 * d / c, 2),
            "overhead_outside_stages_median_us": round(o, 1), "overhead_outside_stages_pct": round(100 * o / c, 2)}  # fmt: skip


def cpp_program(bench, mode, calls, threads):
    out = subprocess.run(
        [bench, "--model", MODEL, "--config", CONFIG, "--tokenizer", TOKENIZER, "--image", IMAGE, "--text", TEXT,
         "--mode", mode, "--calls", str(calls), "--threads", str(threads)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out)["median_us"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--calls", type=int, default=2000)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--modes", default="predict,image")
    p.add_argument("--bench", default=str(ROOT / "build" / "release" / "bench" / "bench_api_call"))
    p.add_argument("--rounds", type=int, default=5, help="cross-check rounds of the separate C++ program (0: none)")
    a = p.parse_args()
    model = sam3rt.Model(str(MODEL), device="cpu", config=str(CONFIG), tokenizer=str(TOKENIZER), threads=a.threads)
    session = model.image(IMAGE)
    print(f"threads {a.threads}; load average before: {os.getloadavg()}")
    for mode in a.modes.split(","):
        print(json.dumps(paired(session, mode, a.calls)))
        if a.rounds and os.access(a.bench, os.X_OK):
            prog, here = [], []
            for _ in range(a.rounds):
                prog.append(cpp_program(a.bench, mode, 200, a.threads))
                here.append(statistics.median(python_call(session, mode)[0] for _ in range(200)))
            print(json.dumps({"mode": mode, "cross_check": "separate C++ process vs this process, 5 rounds of 200",
                              "cpp_program_median_us": round(statistics.median(prog), 1),
                              "python_median_us": round(statistics.median(here), 1)}))  # fmt: skip
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
