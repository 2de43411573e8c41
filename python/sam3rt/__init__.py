"""sam3rt: SAM 3 ("Segment Anything with Concepts") inference without PyTorch.

    import sam3rt
    model = sam3rt.Model("sam3.pt", tokenizer="bpe_simple_vocab_16e6.txt.gz")
    result = model.image("photo.jpg").segment("red car")
    result.masks, result.boxes, result.scores, result.to_coco_rle()

The engine is C++ (the same library as the `sam3rt` command); calls release the GIL, so several
threads can run sessions of one model at once. `sam3rt.dask` segments datasets on a Dask cluster.
See docs/python.md.
"""

from ._sam3rt import (
    ClickResult,
    DeviceUnavailableError,
    Error,
    FileError,
    FormatError,
    FrameIterator,
    ImageSession,
    InternalError,
    InvalidArgumentError,
    Model,
    OutOfMemoryError,
    SegmentResult,
    UnsupportedError,
    VideoFrame,
    VideoSession,
    __version__,
    devices,
    set_precision,
    version,
)

__all__ = [
    "ClickResult",
    "DeviceUnavailableError",
    "Error",
    "FileError",
    "FormatError",
    "FrameIterator",
    "ImageSession",
    "InternalError",
    "InvalidArgumentError",
    "Model",
    "OutOfMemoryError",
    "SegmentResult",
    "UnsupportedError",
    "VideoFrame",
    "VideoSession",
    "__version__",
    "devices",
    "set_precision",
    "version",
]
