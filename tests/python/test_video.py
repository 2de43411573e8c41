"""sam3rt.VideoSession: the same per-frame results as `sam3rt track` (clicks + box in both
directions; masks + box without memory selection from a start frame), the iterator's early close
and busy-session refusal, and bad prompts refused with ValueError."""

import json

import numpy as np
import pytest

sam3rt = pytest.importorskip("sam3rt", reason="the sam3rt module is not built or not on PYTHONPATH")

from conftest import VIDEO, model_cli_args, run_cli  # noqa: E402

FRAMES = VIDEO / "frames"


def track_cli(args):
    out = run_cli(["track", *model_cli_args("video"), "--video", FRAMES, *args, "--json", "-"])
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def assert_frames_equal(frames, cli):
    assert [f.frame for f in frames] == [c["frame"] for c in cli]
    for f, c in zip(frames, cli):
        assert f.to_dict() == json.loads(json.dumps(f.to_dict()))  # JSON-ready
        assert json.loads(json.dumps(f.to_dict())) == c
        assert list(f.ids) == [o["id"] for o in c["objects"]]
        assert [float(s) for s in f.scores] == [o["score"] for o in c["objects"]]
        assert f.rle == [o["mask"] for o in c["objects"]]


def test_clicks_and_box_both_directions_equal_the_cli(video_model):
    cli = track_cli(["--point", "0:24,48", "--obj", "2", "--box", "0:102,66,138,102", "--direction", "both"])
    v = video_model.video(str(FRAMES))
    assert (v.width, v.height, v.frame_count, v.fps) == (160, 120, 14, 0.0)
    v.add_points(0, 1, [[24, 48]])
    v.add_box(0, 2, [102, 66, 138, 102])
    frames = list(v.propagate("both"))
    assert_frames_equal(frames, cli)
    f = frames[0]
    assert f.masks.shape == (2, 120, 160) and f.masks.dtype == np.bool_
    assert f.boxes.shape == (2, 4) and f.ids.dtype == np.int32
    # a box's tight mask box, x1/y1 exclusive
    for k in range(2):
        ys, xs = np.nonzero(f.masks[k])
        if len(xs):
            assert list(f.boxes[k]) == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]


def test_masks_and_box_without_memory_selection_equal_the_cli(video_model):
    Image = pytest.importorskip("PIL.Image", reason="Pillow (python3-pil) is not installed")

    m0, m1 = (VIDEO / "masks" / f"mask_box_no_selection.op{i}.png" for i in range(2))
    cli = track_cli(
        [
            "--obj", "3", "--mask", f"6:{m0}",
            "--obj", "5", "--mask", f"2:{m1}",
            "--obj", "4", "--box", "6:113,25,143,55", "--point", "6:128,40",
            "--no-memory-selection", "--start", "6", "--max-frames", "4",
        ]
    )  # fmt: skip
    v = video_model.video(FRAMES, use_memory_selection=False)
    v.add_mask(6, 3, np.asarray(Image.open(m0).convert("L")) > 127)
    v.add_mask(2, 5, np.asarray(Image.open(m1).convert("L")))  # uint8 0/255: non-zero = object
    v.add_box(6, 4, (113, 25, 143, 55), points=[[128, 40]], labels=[1])
    frames = list(v.propagate(start=6, max_frames=4))
    assert [f.frame for f in frames] == [6, 7, 8, 9, 10]
    assert_frames_equal(frames, cli)


def test_iterator_streams_closes_and_guards_the_session(video_model):
    v = video_model.video(str(FRAMES))
    v.add_points(0, 1, [[24, 48]])
    it = v.propagate()
    first = next(it)
    assert first.frame == 0
    with pytest.raises(RuntimeError, match="busy"):
        v.add_points(0, 2, [[30, 30]])
    with pytest.raises(RuntimeError, match="busy"):
        v.propagate()
    it.close()
    with pytest.raises(StopIteration):
        next(it)
    # closed: the session is usable again, and a full run gives the same first frame
    with v.propagate(max_frames=2) as again:
        frames = list(again)
    assert [f.frame for f in frames] == [0, 1, 2]
    assert frames[0].rle == first.rle
    # dropping an unfinished iterator also stops the tracking
    it = v.propagate()
    next(it)
    del it
    v.reset()
    v.add_points(3, 7, [[24, 48]])
    frames = list(v.propagate("backward"))
    assert [f.frame for f in frames] == [3, 2, 1, 0] and all(list(f.ids) == [7] for f in frames)


def test_remove_object(video_model):
    v = video_model.video(str(FRAMES))
    v.add_points(0, 1, [[24, 48]])
    v.add_box(0, 2, [102, 66, 138, 102])
    v.remove_object(1)
    assert all(list(f.ids) == [2] for f in v.propagate(max_frames=1))
    with pytest.raises(ValueError):
        v.remove_object(99)


def test_bad_video_calls(video_model, tiny_model, tmp_path):
    v = video_model.video(str(FRAMES))
    with pytest.raises(ValueError):
        list(v.propagate())  # nothing prompted
    with pytest.raises(ValueError):
        v.add_points(14, 1, [[24, 48]])  # past the last frame
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        v.add_points(0, 1, [[24, 48, 1]])
    with pytest.raises(ValueError, match="one box"):
        v.add_box(0, 1, [[1, 2, 3, 4], [5, 6, 7, 8]])
    with pytest.raises(ValueError, match="2-D"):
        v.add_mask(0, 1, np.zeros((4, 4, 3), np.uint8))
    with pytest.raises(ValueError, match="dtype"):
        v.add_mask(0, 1, np.array([["a", "b"]]))
    v.add_points(0, 1, [[24, 48]])
    with pytest.raises(ValueError, match="direction"):
        v.propagate("sideways")
    with pytest.raises(ValueError, match="start"):
        v.propagate(start=-2)
    with pytest.raises(ValueError):
        list(v.propagate(start=50))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError):
        video_model.video(tmp_path / "empty")
    with pytest.raises(sam3rt.Error):
        video_model.video(tmp_path / "missing")
    with pytest.raises(sam3rt.UnsupportedError):
        tiny_model.video(str(FRAMES))
