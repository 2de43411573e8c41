#!/usr/bin/python3
"""sam3rt.dask throughput: a LocalCluster of 1 worker against one of 2 workers on the same machine
in the same run (tiny model, CPU, one thread per worker and per engine, each worker pinned to its
own core). Both clusters are started first and warmed up (model loaded on every worker), then
timed rounds alternate between them so that both see the same machine load; each round segments
the same images into a fresh output file. Prints images/s per round and the medians, and the
cores each side kept busy (CPU seconds / wall seconds, from getrusage): on a machine shared with
other work, the workers may not get a whole core each, which the images per worker CPU second
show apart from the scaling.

    PYTHONPATH=build/release/python /usr/bin/python3 bench/dask-throughput.py [--images 96]
        [--rounds 5] [--batch-size 4] [--prompts "red truck"]
"""

import argparse
import json
import logging
import os
import pathlib
import resource
import shutil
import statistics
import tempfile

import distributed

import sam3rt.dask as sd

ROOT = pathlib.Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "sam3-tiny"
SPEC = sd.ModelSpec(
    str(TINY / "model" / "sam3-tiny.pt"),
    config=str(TINY / "model" / "sam3-tiny.config.json"),
    tokenizer=str(TINY / "model" / "tiny-bpe.txt.gz"),
    threads=1,
)


def pin_process(core):
    """Pins every thread of this process (affinity is per thread on Linux) to one core; threads
    started later inherit their creator's."""
    for tid in os.listdir("/proc/self/task"):
        os.sched_setaffinity(int(tid), {core})
    return sorted({c for tid in os.listdir("/proc/self/task") for c in os.sched_getaffinity(int(tid))})


def pin_workers(client, cores):
    """Pins each worker process of a client's cluster to one core of `cores`, in address order."""
    return {addr: client.run(pin_process, core, workers=[addr])[addr] for addr, core in zip(sorted(client.nthreads()), cores)}


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


CPU = {}  # (client id, "here" | "workers") -> CPU seconds per round


def run(client, images, batch_size, prompts, folder):
    out = pathlib.Path(folder) / "out.jsonl"
    if out.exists():
        out.unlink()
    here0, workers0 = cpu_seconds(), sum(client.run(cpu_seconds).values())
    s = sd.segment_images(images, out, model=SPEC, prompts=prompts, client=client, batch_size=batch_size,
                          threshold=0.5)  # fmt: skip
    here, workers = cpu_seconds() - here0, sum(client.run(cpu_seconds).values()) - workers0
    CPU.setdefault((id(client), "here"), []).append(here / s["seconds"])
    CPU.setdefault((id(client), "workers"), []).append(workers / s["seconds"])
    CPU.setdefault((id(client), "per_cpu_s"), []).append(len(images) / workers)
    assert s["written"] == len(images) and s["errors"] == 0, s
    return len(images) / s["seconds"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--images", type=int, default=96)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=4)
    p.add_argument("--prompts", action="append")
    a = p.parse_args()
    prompts = a.prompts or ["red truck"]
    ncpu = len(os.sched_getaffinity(0))
    tmp = tempfile.mkdtemp(prefix="sam3rt-dask-bench-")
    sources = sorted((TINY / "images").glob("scene_*.png"))
    sources = [s for s in sources if s.name != "scene_13x9.png"]  # keep typical sizes
    images = []
    for i in range(a.images):
        dst = pathlib.Path(tmp) / f"img{i:04d}_{sources[i % len(sources)].name}"
        shutil.copyfile(sources[i % len(sources)], dst)
        images.append(str(dst))
    kw = dict(threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL)
    with distributed.LocalCluster(n_workers=1, **kw) as c1, distributed.Client(c1) as one, \
            distributed.LocalCluster(n_workers=2, **kw) as c2, distributed.Client(c2) as two:  # fmt: skip
        print("pinned, 1 worker:", pin_workers(one, [0]))
        print("pinned, 2 workers:", pin_workers(two, [0, 1 % ncpu]))
        for client in (one, two):  # warm-up: every worker loads the model
            run(client, images[:16], a.batch_size, prompts, tmp)
        print(f"load average before: {os.getloadavg()}")
        CPU.clear()
        r1, r2 = [], []
        for _ in range(a.rounds):
            r1.append(run(one, images, a.batch_size, prompts, tmp))
            r2.append(run(two, images, a.batch_size, prompts, tmp))
            print(f"  1 worker {r1[-1]:.1f} img/s, 2 workers {r2[-1]:.1f} img/s")
        print(f"load average after: {os.getloadavg()}")
        for name, client in (("1 worker", one), ("2 workers", two)):
            print(f"  {name}: cores busy in the client+scheduler process "
                  f"{statistics.median(CPU[(id(client), 'here')]):.2f}, in the workers "
                  f"{statistics.median(CPU[(id(client), 'workers')]):.2f}; images per worker CPU second "
                  f"{statistics.median(CPU[(id(client), 'per_cpu_s')]):.1f}")  # fmt: skip
        m1, m2 = statistics.median(r1), statistics.median(r2)
        print(json.dumps({"images": a.images, "batch_size": a.batch_size, "prompts": prompts, "cpus": ncpu,
                          "one_worker_img_s": round(m1, 1), "two_workers_img_s": round(m2, 1),
                          "speedup": round(m2 / m1, 2)}))  # fmt: skip
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
