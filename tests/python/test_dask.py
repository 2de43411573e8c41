"""sam3rt.dask on a 2-worker LocalCluster (one thread each): every image answered exactly once, as
the in-process API answers it, even with a worker killed (SIGKILL) mid-run; resuming after a crash
that tore the last line; the model loaded once per worker process; the image sources."""

import json
import logging
import os
import shutil
import signal

import pytest

sam3rt = pytest.importorskip("sam3rt", reason="the sam3rt module is not built or not on PYTHONPATH")
distributed = pytest.importorskip("distributed", reason="python3-distributed is not installed")

import sam3rt.dask as sd  # noqa: E402
from conftest import MODELS, TINY, TOKENIZER, load_model  # noqa: E402

PROMPTS = ["red truck", "a person"]
THRESHOLD = 0.1
SPEC = sd.ModelSpec(str(MODELS["tiny"][0]), config=str(MODELS["tiny"][1]), tokenizer=str(TOKENIZER), threads=1)


@pytest.fixture(scope="module")
def client():
    # Worker processes under nannies (restarted when killed), no dashboard (no fixed port).
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0", silence_logs=logging.CRITICAL
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def make_images(folder, n):
    """n copies of the fixture images (every size among them), under distinct names."""
    sources = sorted((TINY / "images").glob("*.png"))
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        dst = folder / f"img{i:03d}_{sources[i % len(sources)].name}"
        shutil.copyfile(sources[i % len(sources)], dst)
        paths.append(str(dst))
    return paths


def read_lines(path):
    return [json.loads(line) for line in open(path, encoding="utf-8")]


def expected_record(model, path):
    s = model.image(path)
    prompts = []
    for t in PROMPTS:
        d = s.segment(t, threshold=THRESHOLD).to_dict()
        prompts.append({"text": t, "presence": d["presence"], "instances": d["instances"]})
    return json.loads(json.dumps({"path": path, "width": s.width, "height": s.height, "prompts": prompts}))


def test_worker_killed_mid_run(client, tmp_path):
    images = make_images(tmp_path / "images", 24)
    out = tmp_path / "out.jsonl"
    pids = client.run(os.getpid)
    assert len(pids) == 2
    victim = sorted(pids.values())[0]
    killed_after = []

    def on_record(record):
        if len(killed_after) == 0 and sum(1 for _ in open(out)) >= 4:
            os.kill(victim, signal.SIGKILL)
            killed_after.append(sum(1 for _ in open(out)))

    summary = sd.segment_images(
        tmp_path / "images", out, model=SPEC, prompts=PROMPTS, client=client, threshold=THRESHOLD,
        max_in_flight=4, on_record=on_record,
    )  # fmt: skip
    assert killed_after and killed_after[0] < len(images), "the worker was killed mid-run"
    lines = read_lines(out)
    paths = [r["path"] for r in lines]
    assert sorted(paths) == sorted(images), "each image exactly once"
    assert summary["written"] == len(images) and summary["errors"] == 0 and summary["skipped"] == 0
    assert all("error" not in r for r in lines)
    # the answers are the in-process API's (one engine thread, as on the workers)
    model = load_model("tiny", threads=1)
    for r in lines:
        assert r == expected_record(model, r["path"])
    # the victim is gone; each live worker process loaded the model at most once
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)
    assert all(n <= 1 for n in client.run(sd.model_loads).values())


def test_resume_after_a_crash(client, tmp_path):
    images = make_images(tmp_path / "images", 20)
    out = tmp_path / "out.jsonl"
    first = sd.segment_images(images[:8], out, model=SPEC, prompts=PROMPTS, client=client, threshold=THRESHOLD)
    assert first["written"] == 8
    # a crash tore the last line in half
    text = open(out, encoding="utf-8").read()
    cut = text.rstrip("\n").rfind("\n") + 1
    with open(out, "w", encoding="utf-8") as f:
        f.write(text[: cut + 40])
    assert len(sd.read_done(out)) == 7
    done = []
    again = sd.segment_images(
        images, out, model=SPEC, prompts=PROMPTS, client=client, threshold=THRESHOLD, batch_size=3,
        send_bytes=True, on_record=done.append,
    )  # fmt: skip
    assert again["skipped"] == 7 and again["written"] == 13 == len(done)
    lines = read_lines(out)
    assert sorted(r["path"] for r in lines) == sorted(images)
    # nothing left to do
    third = sd.segment_images(images, out, model=SPEC, prompts=PROMPTS, client=client, threshold=THRESHOLD)
    assert third["written"] == 0 and third["skipped"] == 20


def test_bad_images_are_records(client, tmp_path):
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"x" * 30)
    good = make_images(tmp_path / "images", 1)[0]
    out = tmp_path / "out.jsonl"
    summary = sd.segment_images(
        [good, str(tmp_path / "images" / "broken.png"), str(tmp_path / "missing.png")],
        out, model=SPEC, prompts="red truck", client=client,
    )  # fmt: skip
    assert summary["written"] == 3 and summary["errors"] == 2
    by_path = {r["path"]: r for r in read_lines(out)}
    assert by_path[str(tmp_path / "images" / "broken.png")]["error_type"] == "FormatError"
    assert by_path[str(tmp_path / "missing.png")]["error_type"] == "FileError"
    assert "prompts" in by_path[good]


def test_image_sources(tmp_path):
    paths = make_images(tmp_path / "a", 3) + make_images(tmp_path / "a" / "sub", 2)
    (tmp_path / "a" / "notes.txt").write_text("not an image")
    assert list(sd.iter_images(tmp_path / "a")) == sorted(paths[:3]) + sorted(paths[3:])
    (tmp_path / "list.txt").write_text("# images\na/img000_scene_13x9.png\n\n" + paths[1] + "\n")
    assert list(sd.iter_images(tmp_path / "list.txt")) == [str(tmp_path / "a" / "img000_scene_13x9.png"), paths[1]]
    (tmp_path / "m.jsonl").write_text(json.dumps({"path": paths[0]}) + "\n" + json.dumps({"image": "x.png"}) + "\n")
    assert list(sd.iter_images(tmp_path / "m.jsonl")) == [paths[0], str(tmp_path / "x.png")]
    (tmp_path / "coco.json").write_text(json.dumps({"images": [{"id": 1, "file_name": "a/y.jpg"}]}))
    assert list(sd.iter_images(tmp_path / "coco.json")) == [str(tmp_path / "a" / "y.jpg")]
    assert list(sd.iter_images(iter(paths[:2]))) == paths[:2]
    assert list(sd.iter_images(paths[0])) == [paths[0]]
    with pytest.raises(FileNotFoundError):
        list(sd.iter_images(tmp_path / "nowhere"))
