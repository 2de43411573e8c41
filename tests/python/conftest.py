"""Shared fixtures of the Python tests: the tiny models of tests/data and the `sam3rt` CLI.

CTest runs these with PYTHONPATH at the built module, SAM3RT_CLI at the built program and
SAM3RT_TEST_DATA at tests/data (tests/CMakeLists.txt). By hand, from the repository root:

    PYTHONPATH=build/release/python /usr/bin/python3 -m pytest tests/python

Each test module starts with pytest.importorskip("sam3rt"), so without a built module the suite
is skipped, not failed.
"""

import json
import os
import pathlib
import shlex
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = pathlib.Path(os.environ.get("SAM3RT_TEST_DATA", ROOT / "tests" / "data"))
TINY = DATA / "sam3-tiny"
TRACKER = DATA / "sam3-tiny-tracker"
VIDEO = DATA / "sam3-tiny-video"
TOKENIZER = TINY / "model" / "tiny-bpe.txt.gz"

# (checkpoint, config) of each tiny model; all three use the tiny BPE vocabulary.
MODELS = {
    "tiny": (TINY / "model" / "sam3-tiny.pt", TINY / "model" / "sam3-tiny.config.json"),
    "tracker": (TRACKER / "model" / "sam3-tiny-tracker.pt", TRACKER / "model" / "sam3-tiny-tracker.config.json"),
    "video": (VIDEO / "model" / "sam3-tiny-video.pt", VIDEO / "model" / "sam3-tiny-video.config.json"),
}


def load_model(name, **kwargs):
    import sam3rt

    pt, config = MODELS[name]
    return sam3rt.Model(str(pt), device="cpu", config=str(config), tokenizer=str(TOKENIZER), **kwargs)


def model_cli_args(name):
    pt, config = MODELS[name]
    return ["--model", str(pt), "--config", str(config), "--tokenizer", str(TOKENIZER), "--device", "cpu", "--quiet"]


def cli_path():
    path = os.environ.get("SAM3RT_CLI") or str(ROOT / "build" / "release" / "sam3rt")
    if not os.access(path, os.X_OK):
        pytest.skip(f"the sam3rt program is not built ({path}); set SAM3RT_CLI")
    return path


def run_cli(args):
    """Runs `sam3rt ARGS` and returns its stdout; fails the test with the command and its output."""
    cmd = [cli_path()] + [str(a) for a in args]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    assert proc.returncode == 0, f"{shlex.join(cmd)}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def run_cli_json(args):
    return json.loads(run_cli(list(args) + ["--json", "-"]))


@pytest.fixture(scope="session")
def tiny_model():
    return load_model("tiny")


@pytest.fixture(scope="session")
def tracker_model():
    return load_model("tracker")


@pytest.fixture(scope="session")
def video_model():
    return load_model("video")
