"""sam3rt.ImageSession.click: the same candidates as `sam3rt click` on the tracker fixture's cases
(refinement through low_res_logits included), and bad clicks refused with ValueError."""

import json

import numpy as np
import pytest

sam3rt = pytest.importorskip("sam3rt", reason="the sam3rt module is not built or not on PYTHONPATH")

from conftest import DATA, TRACKER, model_cli_args, run_cli, run_cli_json  # noqa: E402

# The cases the CLI can express (odd_size_labels has a label -1 point, which it has no syntax for).
CASES = ["click_one", "click_one_single", "click_outside", "click_pos_neg", "box_only", "box_and_clicks"]


def load_case(name):
    return json.loads((TRACKER / "cases" / f"{name}.json").read_text())


def cli_args(case):
    args = ["click", *model_cli_args("tracker"), "--image", DATA / case["image"]]
    for (x, y), label in zip(case["points"] or [], case["labels"] or []):
        args += ["--point", f"{x!r},{y!r}" + ("" if label == 1 else ":neg")]
    if case["box"]:
        args += ["--box", ",".join(repr(v) for v in case["box"])]
    args += ["--multimask" if case["multimask"] else "--single"]
    return args


def assert_equals_cli(r, cli):
    assert r.object_score_logit == cli["object_score_logit"]
    assert len(r) == len(cli["candidates"])
    rles = r.to_coco_rle()
    for k, c in enumerate(cli["candidates"]):
        assert float(r.iou[k]) == c["iou"]
        assert rles[k] == c["mask"]
        assert int(r.masks[k].sum()) == c["area"]


@pytest.mark.parametrize("name", CASES)
def test_click_equals_the_cli(tracker_model, name):
    case = load_case(name)
    cli = run_cli_json(cli_args(case))
    r = tracker_model.image(str(DATA / case["image"])).click(
        case["points"], case["labels"], box=case["box"], multimask=case["multimask"]
    )
    assert_equals_cli(r, cli)
    w, h = case["original_size_wh"]
    k = 3 if case["multimask"] else 1
    m = tracker_model.info()["mask_input_size"]
    assert r.masks.shape == (k, h, w) and r.masks.dtype == np.bool_
    assert r.iou.shape == (k,) and r.low_res_logits.shape == (k, m, m) and r.low_res_logits.dtype == np.float32
    assert set(r.timings) == {"tracker_features", "decoder", "postprocess"}


def test_refinement_equals_the_cli(tracker_model, tmp_path):
    """refine_with_mask: the previous result's low-res logits fed back with more clicks."""
    first = load_case("click_one")
    run_cli(cli_args(first) + ["--out", tmp_path])
    logits_file = tmp_path / "scene_320x180_low_res_logits.safetensors"
    assert logits_file.exists(), sorted(p.name for p in tmp_path.iterdir())
    case = load_case("refine_with_mask")
    cli = run_cli_json(cli_args(case) + ["--mask-input", f"{logits_file}:0"])

    s = tracker_model.image(str(DATA / first["image"]))
    r1 = s.click(first["points"], first["labels"], multimask=True)
    r2 = s.click(case["points"], case["labels"], mask_input=r1.low_res_logits[0], multimask=False)
    assert_equals_cli(r2, cli)
    # (1, M, M) is accepted too
    r3 = s.click(case["points"], case["labels"], mask_input=r1.low_res_logits[:1], multimask=False)
    np.testing.assert_array_equal(r3.masks, r2.masks)


def test_label_forms(tracker_model):
    s = tracker_model.image(str(DATA / "sam3-tiny/images/scene_200x150.png"))
    a = s.click([[60.5, 40.25], [150, 110]], [1, 0], multimask=False)
    b = s.click(np.array([[60.5, 40.25], [150, 110]], np.float64), np.array([True, False]), multimask=False)
    np.testing.assert_array_equal(a.masks, b.masks)
    np.testing.assert_array_equal(a.iou, b.iou)
    one = s.click([60.5, 40.25])  # a single (2,) point, label 1
    assert len(one) == 3


def test_bad_clicks_are_value_errors(tracker_model):
    s = tracker_model.image(str(DATA / "sam3-tiny/images/scene_200x150.png"))
    m = tracker_model.info()["mask_input_size"]
    cases = [
        (dict(), ""),
        (dict(points=[[1, 2, 3]]), r"shape \(N, 2\)"),
        (dict(points=[[1, 2]], labels=[1, 0]), "one label per point"),
        (dict(points=[[1, 2]], labels=[7]), ""),
        (dict(points=[[1, 2]], labels=[0.5]), "integers"),
        (dict(points=[[float("nan"), 2]]), ""),
        (dict(labels=[1]), "without points"),
        (dict(box=[50, 50, 10, 10]), ""),
        (dict(box=[[1, 2, 3, 4], [5, 6, 7, 8]]), "one box"),
        (dict(points=[[1, 2]], mask_input=np.zeros((m + 1, m + 1), np.float32)), ""),
        (dict(points=[[1, 2]], mask_input=np.zeros((m, m + 1), np.float32)), r"\(M, M\)"),
        (dict(points=[[1, 2]], mask_input=np.full((m, m), np.inf, np.float32)), ""),
    ]
    for kwargs, message in cases:
        with pytest.raises(ValueError, match=message):
            s.click(**kwargs)
