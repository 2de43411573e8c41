"""Dataset-scale segmentation on a Dask cluster (dask.distributed).

    from distributed import Client, LocalCluster
    import sam3rt.dask

    with LocalCluster(n_workers=2, threads_per_worker=1) as cluster, Client(cluster) as client:
        summary = sam3rt.dask.segment_images(
            "photos/", "results.jsonl", model="sam3.sam3rt", prompts=["car", "person"], client=client
        )

Each worker process loads the model once (on its first task) and keeps it; each worker thread
keeps one image session. The client submits a bounded window of tasks and writes every answer to
the JSON Lines file as it arrives, so neither side ever holds the dataset: memory is the window,
not the number of images. Running it again with the same output skips the images already there,
so a job killed at any point (client, scheduler, workers) resumes where it stopped; a worker that
dies mid-task has its tasks rerun elsewhere by the scheduler, and the client writes each image
once. docs/python.md has the details; `python3 -m sam3rt.dask --help` is the command line.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import threading
import time
from typing import Any, Callable, Iterable, Iterator, Optional, Sequence, Union

__all__ = ["ModelSpec", "segment_images", "iter_images", "read_done", "IMAGE_EXTENSIONS"]

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png")


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """How a worker loads the model: the arguments of sam3rt.Model. Paths must be valid on the
    workers (a shared filesystem, or the same files on every machine). threads=1 pairs one engine
    thread with each Dask worker thread, so `threads_per_worker` sets the cores a worker uses."""

    path: str
    device: str = "cpu"
    config: Optional[str] = None
    tokenizer: Optional[str] = None
    threads: int = 1
    precision: Optional[str] = None


# --- the worker side --------------------------------------------------------------------------

# One model per worker process and spec, one session per worker thread: module globals, because
# a Dask worker runs every task of the process in this one imported module.
_models: dict = {}
_models_lock = threading.Lock()
_load_count = 0
_local = threading.local()


def _model(spec: ModelSpec):
    global _load_count
    with _models_lock:
        model = _models.get(spec)
        if model is None:
            # The engine sizes its CPU pool, and OpenBLAS's thread count with it, when the pool starts
            # (SAM3RT_NUM_THREADS, else one per core), whatever a model's per-call cap: a worker running
            # one-thread calls would still run each large matrix product (the released model's) on
            # every core, and several such workers on one machine would fight over the cores. (The
            # tiny test model's products are too small for OpenBLAS to thread: no difference there.)
            if spec.threads > 0:
                os.environ.setdefault("SAM3RT_NUM_THREADS", str(spec.threads))
            import sam3rt

            model = sam3rt.Model(
                spec.path,
                device=spec.device,
                precision=spec.precision,
                config=spec.config,
                tokenizer=spec.tokenizer,
                threads=spec.threads,
            )
            _models[spec] = model
            _load_count += 1
        return model


def _session(spec: ModelSpec):
    sessions = getattr(_local, "sessions", None)
    if sessions is None:
        sessions = _local.sessions = {}
    if spec not in sessions:
        sessions[spec] = _model(spec).image()
    return sessions[spec]


def model_loads() -> int:
    """How many models this process has loaded (for tests: client.run(sam3rt.dask.model_loads))."""
    return _load_count


def _segment_one(spec: ModelSpec, path: str, data: Optional[bytes], prompts: Sequence[str], threshold: float) -> dict:
    import sam3rt

    try:
        session = _session(spec)
        session.set_image(data if data is not None else path)
        answers = []
        for text in prompts:
            d = session.segment(text, threshold=threshold).to_dict()
            answers.append({"text": text, "presence": d["presence"], "instances": d["instances"]})
        return {"path": path, "width": session.width, "height": session.height, "prompts": answers}
    except sam3rt.Error as e:
        # One bad image (missing, corrupt) is a record, not a failed job.
        return {"path": path, "error": str(e), "error_type": type(e).__name__}


def _segment_batch(spec: ModelSpec, items: Sequence[tuple], prompts: Sequence[str], threshold: float) -> list:
    return [_segment_one(spec, path, data, prompts, threshold) for path, data in items]


# --- the client side --------------------------------------------------------------------------


def iter_images(source: Union[str, os.PathLike, Iterable], *, extensions: Sequence[str] = IMAGE_EXTENSIONS) -> Iterator[str]:
    """The image paths of a source, lazily:

    - a folder: its images (by extension, case-insensitive), recursively, in sorted order;
    - a manifest file: `.txt`/`.lst` (one path per line; blank lines and `#` comments skipped),
      `.jsonl` (one object per line with "path", "image" or "file_name"), or `.json` (COCO:
      {"images": [{"file_name": ...}]}); relative paths are relative to the manifest's folder;
    - a single image file;
    - any iterable of paths (a list, a generator).
    """
    if isinstance(source, (str, os.PathLike)):
        src = os.fspath(source)
        if os.path.isdir(src):
            yield from _walk(src, tuple(e.lower() for e in extensions))
            return
        if not os.path.exists(src):
            raise FileNotFoundError(f"image source '{src}' does not exist (a folder, a manifest or an image)")
        lower = src.lower()
        if lower.endswith(tuple(e.lower() for e in extensions)):
            yield src
            return
        base = os.path.dirname(os.path.abspath(src))
        if lower.endswith(".json"):
            with open(src, encoding="utf-8") as f:
                doc = json.load(f)
            for img in doc.get("images", []):
                yield _resolve(base, img["file_name"])
            return
        with open(src, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                if lower.endswith(".jsonl"):
                    row = json.loads(line)
                    key = next((k for k in ("path", "image", "file_name") if k in row), None)
                    if key is None:
                        raise ValueError(f"{src}:{n}: no 'path', 'image' or 'file_name' in {line[:80]}")
                    line = row[key]
                yield _resolve(base, line)
        return
    for p in source:
        yield os.fspath(p)


def _resolve(base: str, path: str) -> str:
    return path if os.path.isabs(path) else os.path.join(base, path)


def _walk(folder: str, extensions: tuple) -> Iterator[str]:
    entries = sorted(os.scandir(folder), key=lambda e: e.name)
    for e in entries:
        if e.is_dir():
            yield from _walk(e.path, extensions)
        elif e.name.lower().endswith(extensions):
            yield e.path


def read_done(output: Union[str, os.PathLike]) -> set:
    """The paths already in a JSON Lines output (answers and error records). A last line cut short
    by a crash (no newline, or not JSON) is cut off the file, so that its image is done again and
    appending continues on a clean line."""
    output = os.fspath(output)
    done = set()
    if not os.path.exists(output):
        return done
    good_end = 0
    with open(output, "rb") as f:
        for line in f:
            try:
                if not line.endswith(b"\n"):
                    raise ValueError("no newline")
                done.add(json.loads(line)["path"])
            except (ValueError, KeyError, TypeError):
                break
            good_end += len(line)
    if os.path.getsize(output) > good_end:
        with open(output, "r+b") as f:
            f.truncate(good_end)
    return done


def segment_images(
    images: Union[str, os.PathLike, Iterable],
    output: Union[str, os.PathLike],
    *,
    model: Union[str, os.PathLike, ModelSpec],
    prompts: Union[str, Sequence[str]],
    client=None,
    threshold: float = 0.5,
    batch_size: int = 1,
    max_in_flight: Optional[int] = None,
    send_bytes: bool = False,
    on_record: Optional[Callable[[dict], None]] = None,
) -> dict:
    """Segments every image of `images` with every text of `prompts` on a Dask cluster and appends
    one JSON line per image to `output`, skipping images already there (resume).

    images: a folder, a manifest, an image, or an iterable of paths (see iter_images).
    model: a path (loaded with ModelSpec defaults: CPU, one thread) or a ModelSpec.
    client: a distributed.Client; None = the current default client.
    batch_size: images per task (larger amortises the scheduler's per-task cost on fast models).
    max_in_flight: tasks submitted and not yet written; default 4 per worker thread.
    send_bytes: read the files on the client and ship their bytes (workers without the files).
    on_record: called on the client with each record after it is written (progress, tests).

    Each line: {"path", "width", "height", "prompts": [{"text", "presence", "instances": [{"query",
    "score", "box_xyxy", "mask": {"size", "counts"}}]}]} (the shape of `sam3rt segment --json`), or
    {"path", "error", "error_type"} for an image the engine refused. Lines come in completion order.
    Returns {"written", "skipped", "errors", "seconds"}.
    """
    from distributed import as_completed, default_client

    if isinstance(prompts, str):
        prompts = [prompts]
    prompts = list(prompts)
    if not prompts or not all(isinstance(t, str) for t in prompts):
        raise ValueError("prompts must be a text or a list of texts")
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    spec = model if isinstance(model, ModelSpec) else ModelSpec(os.fspath(model))
    client = client or default_client()
    if max_in_flight is None:
        threads = sum(client.nthreads().values()) or 1
        max_in_flight = 4 * threads
    if max_in_flight < 1:
        raise ValueError(f"max_in_flight must be >= 1, got {max_in_flight}")

    output = os.fspath(output)
    done = read_done(output)
    stats = {"written": 0, "skipped": 0, "errors": 0}
    t0 = time.perf_counter()

    def batches() -> Iterator[list]:
        batch, queued = [], set()
        for path in iter_images(images):
            if path in done or path in queued:  # in the output already, or listed twice
                stats["skipped"] += 1
                continue
            queued.add(path)
            data = None
            if send_bytes:
                try:
                    with open(path, "rb") as f:
                        data = f.read()
                except OSError:
                    data = None  # the worker then tries the path and records the engine's error
            batch.append((path, data))
            if len(batch) == batch_size:
                yield batch
                batch = []
        if batch:
            yield batch

    pending = batches()
    paths_of = {}  # future key -> its images, for error records when the cluster gives up on it

    def submit(batch):
        future = client.submit(_segment_batch, spec, batch, prompts, threshold, pure=False)
        paths_of[future.key] = [path for path, _ in batch]
        return future

    with open(output, "a", encoding="utf-8") as out:
        window = as_completed()
        for batch in pending:
            window.add(submit(batch))
            if window.count() >= max_in_flight:
                break
        for future in window:
            records = _result_or_error(future, paths_of.pop(future.key))
            del future  # the cluster frees a result once no client holds its future
            for record in records:
                if record["path"] in done:
                    continue  # a rerun of a batch whose answer arrived already
                out.write(json.dumps(record, separators=(",", ":")) + "\n")
                out.flush()
                done.add(record["path"])
                stats["written"] += 1
                stats["errors"] += "error" in record
                if on_record is not None:
                    on_record(record)
            nxt = next(pending, None)
            if nxt is not None:
                window.add(submit(nxt))
    stats["seconds"] = time.perf_counter() - t0
    return stats


def _result_or_error(future, paths: list) -> list:
    """A batch's records; when the cluster gave up on it (its workers kept dying: KilledWorker, or
    an unexpected exception), one error record per image instead of a failed job."""
    try:
        return future.result()
    except Exception as e:  # noqa: BLE001 - recorded per image
        return [{"path": p, "error": f"task failed: {e!r}", "error_type": type(e).__name__} for p in paths]


# --- command line -----------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    p = argparse.ArgumentParser(
        prog="python3 -m sam3rt.dask",
        description="Segment a folder, manifest or list of images on a Dask cluster into resumable JSON Lines.",
    )
    p.add_argument("images", nargs="+", help="folders, manifests (.txt/.jsonl/.json) or image files")
    p.add_argument("-o", "--out", required=True, help="JSON Lines output (appended; images in it are skipped)")
    p.add_argument("-m", "--model", required=True, help="sam3.pt, a .sam3rt file or a Hugging Face folder")
    p.add_argument("-t", "--text", action="append", required=True, help="a prompt; repeat for several")
    p.add_argument("--config", help="hyperparameters JSON for a bare .pt")
    p.add_argument("--tokenizer", help="CLIP merges for a bare .pt")
    p.add_argument("--device", default="cpu")
    p.add_argument("--threshold", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=1)
    p.add_argument("--send-bytes", action="store_true", help="ship image bytes from here (no shared filesystem)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--scheduler", help="address of a running scheduler, e.g. tcp://10.0.0.5:8786")
    where.add_argument("--local", type=int, metavar="N", help="start a LocalCluster of N one-thread workers")
    a = p.parse_args(argv)

    from distributed import Client, LocalCluster

    spec = ModelSpec(a.model, device=a.device, config=a.config, tokenizer=a.tokenizer)
    cluster = LocalCluster(n_workers=a.local, threads_per_worker=1) if a.local else None
    client = Client(cluster if cluster else a.scheduler)
    try:
        total = {"written": 0, "skipped": 0, "errors": 0, "seconds": 0.0}
        for source in a.images:
            s = segment_images(
                source, a.out, model=spec, prompts=a.text, client=client, threshold=a.threshold,
                batch_size=a.batch_size, send_bytes=a.send_bytes,
            )  # fmt: skip
            for k in total:
                total[k] += s[k]
        print(json.dumps(total))
    finally:
        client.close()
        if cluster:
            cluster.close()
    return 0


if __name__ == "__main__":
    # Run as `python3 -m sam3rt.dask`: use the functions of the importable sam3rt.dask, not of
    # __main__, because Dask ships functions to the workers by module name.
    from sam3rt.dask import main as _main

    sys.exit(_main())
