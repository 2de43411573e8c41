"""sam3rt.ImageSession.segment: the same answers as the `sam3rt segment` program on every fixture
case, every accepted image layout giving the same pixels, bad arrays and prompts refused with
ValueError, engine errors as typed exceptions, and threads sharing one model."""

import io
import json
import pickle
import threading

import numpy as np
import pytest

sam3rt = pytest.importorskip("sam3rt", reason="the sam3rt module is not built or not on PYTHONPATH")

from conftest import TINY, load_model, model_cli_args, run_cli_json  # noqa: E402

CASES = sorted(p.stem for p in (TINY / "cases").glob("*.json"))


def case_prompt(name):
    """The case's image path, text, xyxy boxes (float32 pixels), labels and threshold."""
    case = json.loads((TINY / "cases" / f"{name}.json").read_text())
    w, h = (np.float32(v) for v in case["original_size_wh"])
    boxes, labels = [], []
    for (cx, cy, bw, bh), positive in case["boxes"]:
        cx, cy, bw, bh = (np.float32(v) for v in (cx, cy, bw, bh))
        boxes.append([(cx - bw / 2) * w, (cy - bh / 2) * h, (cx + bw / 2) * w, (cy + bh / 2) * h])
        labels.append(bool(positive))
    boxes = np.array(boxes, dtype=np.float32).reshape(-1, 4)
    return TINY / case["image"], case["text"], boxes, labels, case["confidence_threshold"]


def assert_same_result(a, b):
    assert (a.width, a.height) == (b.width, b.height)
    assert a.presence == b.presence
    np.testing.assert_array_equal(a.scores, b.scores)
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.queries, b.queries)
    np.testing.assert_array_equal(a.masks, b.masks)


def assert_close_result(a, b):
    """Concurrent calls share the engine's worker pool, so a reduction may be split over another
    number of threads than in a sequential run: equal within the engine's own concurrency bounds
    (tests/unit/test-concurrency.cpp), not to the bit."""
    assert (a.width, a.height) == (b.width, b.height)
    assert a.presence == pytest.approx(b.presence, abs=1e-5)
    np.testing.assert_allclose(a.scores, b.scores, atol=1e-5)
    np.testing.assert_allclose(a.boxes, b.boxes, atol=1e-3)
    assert (a.masks == b.masks).mean() >= 0.999


@pytest.mark.parametrize("case", CASES)
def test_segment_equals_the_cli(tiny_model, case):
    image, text, boxes, labels, threshold = case_prompt(case)
    args = ["segment", *model_cli_args("tiny"), "--image", image, "--threshold", repr(threshold)]
    if text is not None:
        args += ["--text", text]
    for b, positive in zip(boxes, labels):
        args += ["--box", ",".join(repr(float(v)) for v in b) + ("" if positive else ":neg")]
    cli = run_cli_json(args)["images"][0]["prompts"][0]

    r = tiny_model.image(str(image)).segment(
        text, boxes=boxes if len(boxes) else None, box_labels=labels if labels else None, threshold=threshold
    )
    assert r.presence == pytest.approx(cli["presence"], abs=0)
    assert len(r) == len(cli["instances"]) > 0
    rles = r.to_coco_rle()
    for i, inst in enumerate(cli["instances"]):
        assert r.queries[i] == inst["query"]
        assert float(r.scores[i]) == inst["score"]
        assert [float(v) for v in r.boxes[i]] == inst["box_xyxy"]
        assert rles[i] == inst["mask"]
        assert r.masks[i].sum() == np.count_nonzero(r.masks[i])  # bool, 0/1
    # to_dict() is the CLI's JSON of one prompt, minus the prompt itself
    d = json.loads(json.dumps(r.to_dict()))
    assert d["instances"] == [dict(inst) for inst in cli["instances"]]


def test_result_arrays(tiny_model):
    r = tiny_model.image(str(TINY / "images" / "scene_200x150.png")).segment("red truck", threshold=0.0)
    n = len(r)
    assert r.masks.shape == (n, 150, 200) and r.masks.dtype == np.bool_
    assert r.boxes.shape == (n, 4) and r.boxes.dtype == np.float32
    assert r.scores.shape == (n,) and r.scores.dtype == np.float32
    assert list(r.scores) == sorted(r.scores, reverse=True)
    assert 0.0 <= r.presence <= 1.0
    assert set(r.timings) == {"text", "grounding", "postprocess"}
    empty = tiny_model.image(str(TINY / "images" / "scene_200x150.png")).segment("red truck", threshold=1.0)
    assert len(empty) == 0 and empty.masks.shape == (0, 150, 200) and empty.boxes.shape == (0, 4)
    assert empty.to_coco_rle() == []


# --- image inputs -------------------------------------------------------------------------------

PNG = TINY / "images" / "scene_200x150.png"


def decoded_pixels():
    Image = pytest.importorskip("PIL.Image", reason="Pillow (python3-pil) is not installed")

    return np.asarray(Image.open(PNG).convert("RGB"))


@pytest.fixture(scope="module")
def reference(tiny_model):
    return tiny_model.image(str(PNG)).segment("red truck", threshold=0.0)


def segment(model, img):
    return model.image(img).segment("red truck", threshold=0.0)


def test_path_bytes_and_buffers_agree(tiny_model, reference):
    import pathlib

    data = PNG.read_bytes()
    for img in (pathlib.Path(PNG), data, bytearray(data), memoryview(data)):
        assert_same_result(segment(tiny_model, img), reference)


def test_numpy_layouts_agree(tiny_model, reference):
    rgb = decoded_pixels()
    assert rgb.dtype == np.uint8 and rgb.shape == (150, 200, 3)
    big = np.zeros((170, 230, 3), np.uint8)
    big[7:157, 11:211] = rgb
    rgba = np.concatenate([rgb, np.full((150, 200, 1), 77, np.uint8)], axis=2)
    layouts = {
        "C order": np.ascontiguousarray(rgb),
        "Fortran order": np.asfortranarray(rgb),
        "crop of a bigger array (row stride, no copy)": big[7:157, 11:211],
        "channels reversed twice": np.ascontiguousarray(rgb[..., ::-1])[..., ::-1],
        "upside down twice": np.flipud(np.ascontiguousarray(np.flipud(rgb))),
        "RGBA": rgba,
        "planar (3, H, W) transposed": np.ascontiguousarray(rgb.transpose(2, 0, 1)).transpose(1, 2, 0),
        "read-only": np.frombuffer(rgb.tobytes(), np.uint8).reshape(rgb.shape),
    }
    for name, arr in layouts.items():
        assert_same_result(segment(tiny_model, arr), reference), name


def test_grey_array_is_replicated(tiny_model):
    grey = decoded_pixels()[..., 1].copy()
    assert_same_result(segment(tiny_model, grey), segment(tiny_model, np.stack([grey] * 3, axis=2)))


def test_pil_images(tiny_model, reference):
    Image = pytest.importorskip("PIL.Image", reason="Pillow (python3-pil) is not installed")

    im = Image.open(PNG)
    assert_same_result(segment(tiny_model, im), reference)
    assert_same_result(segment(tiny_model, im.convert("RGBA")), reference)
    # a palette image is converted to RGB, not read as its palette indices
    pal = im.convert("P", palette=Image.ADAPTIVE, colors=64)
    assert_same_result(segment(tiny_model, pal), segment(tiny_model, np.asarray(pal.convert("RGB"))))


def test_set_image_replaces_the_image(tiny_model, reference):
    s = tiny_model.image()
    with pytest.raises(ValueError, match="no image"):
        s.segment("red truck")
    s.set_image(str(TINY / "images" / "scene_96x64.png"))
    assert (s.width, s.height) == (96, 64)
    s.set_image(decoded_pixels())
    assert (s.width, s.height) == (200, 150)
    assert_same_result(s.segment("red truck", threshold=0.0), reference)
    assert set(s.image_timings) == {"preprocess", "backbone"}
    assert s.model is tiny_model


@pytest.mark.parametrize(
    "arr, message",
    [
        (np.zeros((20, 30, 3), np.float32), "dtype uint8"),
        (np.zeros((20, 30, 3), np.float64), "dtype uint8"),
        (np.zeros((20, 30, 3), np.uint16), "dtype uint8"),
        (np.zeros((20, 30, 3), np.int8), "dtype uint8"),
        (np.zeros((20, 30, 3), np.int64), "dtype uint8"),
        (np.zeros((20, 30, 3), np.bool_), "dtype uint8"),
        (np.zeros((20, 30, 2), np.uint8), "shape"),
        (np.zeros((20, 30, 5), np.uint8), "shape"),
        (np.zeros((3, 20, 30), np.uint8), "shape"),
        (np.zeros((600,), np.uint8), "shape"),
        (np.zeros((1, 20, 30, 3), np.uint8), "shape"),
        (np.zeros((0, 30, 3), np.uint8), "empty"),
        (np.zeros((20, 0), np.uint8), "empty"),
    ],
    ids=lambda v: str(getattr(v, "dtype", "")) + str(getattr(v, "shape", v)),
)
def test_bad_arrays_are_value_errors(tiny_model, arr, message):
    with pytest.raises(ValueError, match=message):
        tiny_model.image(arr)
    s = tiny_model.image()
    with pytest.raises(sam3rt.InvalidArgumentError, match=message):
        s.set_image(arr)


@pytest.mark.parametrize("img", [42, 3.5, [[1, 2, 3]], {"a": 1}])
def test_other_objects_are_value_errors(tiny_model, img):
    with pytest.raises(ValueError):
        tiny_model.image(img)


def test_bad_prompts_are_value_errors(tiny_model):
    s = tiny_model.image(str(PNG))
    cases = [
        (dict(), "needs text, boxes"),
        (dict(text="cat", threshold=1.5), "threshold must be in"),
        (dict(text="cat", threshold=float("nan")), "threshold must be in"),
        (dict(boxes=[[1, 2, 3]]), r"shape \(N, 4\)"),
        (dict(boxes=[[[1, 2, 3, 4]]]), r"shape \(N, 4\)"),
        (dict(boxes=["a", "b", "c", "d"]), "array of numbers"),
        (dict(boxes=[[10, 10, 5, 20]]), "x1 < x0"),
        (dict(boxes=[[float("nan"), 10, 50, 20]]), ""),
        (dict(boxes=[[300, 10, 320, 20]]), "entirely outside"),
        (dict(boxes=[[10, 10, 50, 50]], box_labels=[1, 0]), "one per box"),
        (dict(boxes=[[10, 10, 50, 50]], box_labels=[2]), "1/True"),
        (dict(text="cat", box_labels=[1]), "without boxes"),
        (dict(text=7), "text must be a str"),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            s.segment(**kwargs)


def test_box_forms(tiny_model):
    s = tiny_model.image(str(PNG))
    one = s.segment(boxes=[60, 45, 120, 105], threshold=0.0)
    assert_same_result(one, s.segment(boxes=np.array([[60, 45, 120, 105]], np.float64), threshold=0.0))
    assert_same_result(one, s.segment(boxes=((60, 45, 120, 105),), box_labels=[True], threshold=0.0))
    neg = s.segment(text="pole", boxes=[[60, 45, 120, 105]], box_labels=np.array([False]), threshold=0.0)
    assert_same_result(neg, s.segment(text="pole", boxes=[[60, 45, 120, 105]], box_labels=[0], threshold=0.0))


def test_engine_errors_are_typed(tiny_model, tmp_path):
    with pytest.raises(sam3rt.FileError, match="does not exist") as e:
        sam3rt.Model("/nonexistent/sam3.pt")
    assert isinstance(e.value, OSError) and isinstance(e.value, sam3rt.Error)
    with pytest.raises(OSError, match="not found"):
        tiny_model.image(str(tmp_path / "missing.png"))
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(sam3rt.FormatError):
        tiny_model.image(str(tmp_path / "bad.png"))
    with pytest.raises(sam3rt.FormatError):
        tiny_model.image(b"\x89PNG\r\n\x1a\n" + b"garbage" * 10)
    with pytest.raises(sam3rt.UnsupportedError):
        tiny_model.image(b"GIF89a" + b"\0" * 40)
    with pytest.raises(ValueError, match="tpu"):
        sam3rt.Model(str(TINY / "model" / "sam3-tiny.pt"), device="tpu")
    if not any(d["id"].startswith("cuda") for d in sam3rt.devices()):
        with pytest.raises(sam3rt.DeviceUnavailableError, match="SAM3RT_CUDA"):
            sam3rt.Model(str(TINY / "model" / "sam3-tiny.pt"), device="cuda")
    with pytest.raises(sam3rt.UnsupportedError):
        tiny_model.image(str(PNG)).click([[10, 10]])
    with pytest.raises(ValueError, match="threads"):
        load_model("tiny", threads=-1)
    with pytest.raises(ValueError, match="precision|fp32"):
        sam3rt.set_precision("fp8")


def test_model_info_devices_and_pickle(tiny_model):
    info = tiny_model.info()
    assert info["device"] == "cpu" == tiny_model.device
    assert info["image_size"] == 168 and info["has_tracker"] is False
    assert info["version"] == sam3rt.__version__ == sam3rt.version()
    devices = sam3rt.devices()
    assert devices == tiny_model.devices() and devices[0]["id"] == "cpu"
    copy = pickle.loads(pickle.dumps(tiny_model))
    assert copy.info() == info
    assert_same_result(segment(copy, str(PNG)), segment(tiny_model, str(PNG)))
    assert "sam3-tiny.pt" in repr(tiny_model)


# --- threads ------------------------------------------------------------------------------------

IMAGES = ["scene_200x150.png", "scene_96x64.png", "scene_320x180.png", "scene_50x75.png"]
TEXTS = ["red truck", "a person", "traffic light", "shoe"]


def test_threads_share_one_model(tiny_model):
    """Eight threads, each with its own sessions, on one model: the answers of a sequential run."""
    jobs = [(IMAGES[i % 4], TEXTS[(i // 4) % 4]) for i in range(16)]
    expected = [tiny_model.image(str(TINY / "images" / im)).segment(t, threshold=0.0) for im, t in jobs]
    got = [None] * len(jobs)
    errors = []
    barrier = threading.Barrier(8)

    def worker(k):
        try:
            barrier.wait()
            for j in range(k, len(jobs), 8):
                im, t = jobs[j]
                got[j] = tiny_model.image(str(TINY / "images" / im)).segment(t, threshold=0.0)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for a, b in zip(got, expected):
        assert_close_result(a, b)


def test_threads_share_one_session(tiny_model):
    """Calls on one session from several threads take turns instead of racing."""
    s = tiny_model.image(str(PNG))
    expected = {t: s.segment(t, threshold=0.0) for t in TEXTS}
    results, errors = [], []

    def worker(k):
        try:
            for i in range(6):
                t = TEXTS[(k + i) % 4]
                results.append((t, s.segment(t, threshold=0.0)))
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(results) == 24
    for t, r in results:
        assert_close_result(r, expected[t])


def test_pil_from_bytes_io(tiny_model, reference):
    Image = pytest.importorskip("PIL.Image", reason="Pillow (python3-pil) is not installed")

    assert_same_result(segment(tiny_model, Image.open(io.BytesIO(PNG.read_bytes()))), reference)


def test_engine_calls_release_the_gil(tiny_model):
    """With a one-second switch interval a thread holding the GIL keeps it through everything
    but a release: the main thread advances during another thread's engine calls only if the
    binding lets go of the GIL around them."""
    import sys
    import time

    session = tiny_model.image()
    progress = []
    old = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:

        def work():
            for _ in range(10):
                session.set_image(str(PNG))
                session.segment("red truck")

        t = threading.Thread(target=work)
        t.start()
        while t.is_alive():
            progress.append(time.perf_counter())
            time.sleep(0.0005)  # lets the worker take the GIL back between its calls
        t.join()
    finally:
        sys.setswitchinterval(old)
    assert len(progress) >= 10, f"the main thread advanced {len(progress)} times during 10 engine calls"
