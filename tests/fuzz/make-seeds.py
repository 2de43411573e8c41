#!/usr/bin/env python3
"""Writes the small seed corpora under tests/fuzz/corpus/<target>/ (standard library only).

Seeds are small on purpose (the fuzzers mutate them; the replay test runs them in `make test`):
checkpoints of a few tensors written the way torch.save / safetensors write them, the fixtures'
configurations, the small test images, tokenizer and RLE strings. Run from anywhere:
    python3 tests/fuzz/make-seeds.py
"""
import collections
import io
import json
import os
import pickle
import shutil
import struct
import sys
import types
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "data")
OUT = os.path.join(HERE, "corpus")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def copy(target, name, src):
    with open(src, "rb") as f:
        put(target, name, f.read())


# --- torch.save-like pickles and checkpoints (fake torch module: only names matter) -------------
torch = types.ModuleType("torch")
torch_utils = types.ModuleType("torch._utils")
sys.modules["torch"] = torch
sys.modules["torch._utils"] = torch_utils
torch._utils = torch_utils


def _make_global(module, name, obj):
    obj.__module__ = module.__name__
    obj.__qualname__ = name
    obj.__name__ = name
    setattr(module, name, obj)
    return obj


FloatStorage = _make_global(torch, "FloatStorage", type("FloatStorage", (), {}))
HalfStorage = _make_global(torch, "HalfStorage", type("HalfStorage", (), {}))
LongStorage = _make_global(torch, "LongStorage", type("LongStorage", (), {}))
ComplexFloatStorage = _make_global(torch, "ComplexFloatStorage", type("ComplexFloatStorage", (), {}))
_rebuild_tensor_v2 = _make_global(torch_utils, "_rebuild_tensor_v2", lambda *a: None)
_rebuild_parameter = _make_global(torch_utils, "_rebuild_parameter", lambda *a: None)


class Storage:
    def __init__(self, key, stype, numel):
        self.key, self.stype, self.numel = key, stype, numel


class Tensor:
    def __init__(self, storage, offset, shape, stride, parameter=False):
        self.storage, self.offset, self.shape, self.stride, self.parameter = storage, offset, shape, stride, parameter

    def __reduce_ex__(self, protocol):
        t = (_rebuild_tensor_v2, (self.storage, self.offset, tuple(self.shape), tuple(self.stride), False,
                                  collections.OrderedDict()))
        if self.parameter:
            return (_rebuild_parameter, (Plain(self), False, collections.OrderedDict()))
        return t


class Plain(Tensor):
    def __init__(self, t):
        super().__init__(t.storage, t.offset, t.shape, t.stride)


class TorchPickler(pickle.Pickler):
    def persistent_id(self, obj):
        if isinstance(obj, Storage):
            return ("storage", obj.stype, obj.key, "cpu", obj.numel)
        return None


def torch_pickle(obj):
    buf = io.BytesIO()
    TorchPickler(buf, protocol=2).dump(obj)
    return buf.getvalue()


def state_dict():
    s0 = Storage("0", FloatStorage, 6)
    s1 = Storage("1", HalfStorage, 4)
    s2 = Storage("2", ComplexFloatStorage, 2)
    sd = collections.OrderedDict()
    sd["a.weight"] = Tensor(s0, 0, [2, 3], [3, 1])
    sd["a.bias"] = Tensor(s0, 3, [3], [1], parameter=True)
    sd["a.t"] = Tensor(s0, 0, [3, 2], [1, 3])
    sd["b"] = Tensor(s1, 1, [2], [2])
    sd["rope.freqs_cis"] = Tensor(s2, 0, [2], [1])
    sd["step"] = 7
    return sd, {"0": struct.pack("<6f", *range(6)), "1": struct.pack("<4e", 1, 2, 3, 4),
                "2": struct.pack("<4f", 1, 0, 0, 1)}


def torch_zip(obj, storages, prefix="archive", zip64=False):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        def add(name, data):
            with z.open(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), "w", force_zip64=zip64) as f:
                f.write(data)
        add(f"{prefix}/data.pkl", torch_pickle(obj))
        add(f"{prefix}/byteorder", b"little")
        for k, v in storages.items():
            add(f"{prefix}/data/{k}", v)
        add(f"{prefix}/version", b"3\n")
    return buf.getvalue()


def write_pickle_and_zip_seeds():
    sd, storages = state_dict()
    put("pickle", "state_dict.pkl", torch_pickle(sd))
    put("pickle", "nested.pkl", torch_pickle({"model": sd, "epoch": 3, "names": ["x", "y"], "f": 1.5,
                                              "t": (1, 2, 3), "b": b"\x00\x01", "n": None, "ok": True,
                                              "big": 1 << 40, "neg": -5}))
    put("pickle", "protocol4.pkl", pickle.dumps({"a": [1, 2, {"b": (3.0, "c")}]}, protocol=4))
    put("torch_checkpoint", "state_dict.pt", torch_zip(sd, storages))
    put("torch_checkpoint", "wrapped.pt", torch_zip({"model": sd}, storages, prefix="sam3"))
    put("torch_checkpoint", "zip64.pt", torch_zip(sd, storages, zip64=True))
    put("zip_archive", "stored.zip", torch_zip(sd, storages))
    put("zip_archive", "zip64.zip", torch_zip(sd, storages, zip64=True))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        # Fixed timestamps keep the seed's bytes the same on every run.
        z.writestr(zipfile.ZipInfo("deflated.txt", (1980, 1, 1, 0, 0, 0)), "hello " * 20, zipfile.ZIP_DEFLATED)
        z.writestr(zipfile.ZipInfo("dir/", (1980, 1, 1, 0, 0, 0)), "")
        z.comment = b"comment"
    put("zip_archive", "deflated.zip", buf.getvalue())
    put("zip_archive", "empty.zip", b"PK\x05\x06" + b"\x00" * 18)


# --- safetensors ---------------------------------------------------------------------------------
def safetensors(tensors, metadata=None, pad_to=8):
    header, data = {}, b""
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    if metadata is not None:
        header["__metadata__"] = metadata
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % pad_to)
    return struct.pack("<Q", len(h)) + h + data


def write_safetensors_seeds():
    t = {"w": ("F32", [2, 2], struct.pack("<4f", 1, 2, 3, 4)),
         "h": ("F16", [3], struct.pack("<3e", 1, 2, 3)),
         "bf": ("BF16", [1], b"\x80\x3f"),
         "i": ("I64", [1, 1], struct.pack("<q", -3)),
         "mask": ("BOOL", [2], b"\x01\x00"),
         "empty": ("F32", [0, 4], b"")}
    put("safetensors", "several.safetensors", safetensors(t, {"k": "v"}))
    put("safetensors", "unaligned.safetensors", safetensors({"x": ("F32", [1], struct.pack("<f", 1))}, pad_to=1))
    put("safetensors", "empty.safetensors", safetensors({}))

    with open(os.path.join(DATA, "sam3-tiny", "model", "sam3-tiny.config.json")) as f:
        config = json.dumps(json.load(f), separators=(",", ":"))
    merges = "a b\nab c\nh e\nhe l".encode()
    native = {"detector.w": ("F32", [2], struct.pack("<2f", 1, 2)),
              "tokenizer.bpe_merges": ("U8", [len(merges)], merges)}
    meta = {"format": "sam3rt", "format_version": "1", "config": config, "weights_dtype": "f32",
            "source": "pytorch"}
    put("native_model", "tiny.sam3rt", safetensors(native, meta))
    put("native_model", "f16.sam3rt", safetensors({"detector.w": ("F16", [2], struct.pack("<2e", 1, 2))},
                                                  dict(meta, weights_dtype="f16")))


# --- JSON configurations -------------------------------------------------------------------------
def write_json_seeds():
    copy("model_config", "sam3-tiny.config.json", os.path.join(DATA, "sam3-tiny", "model", "sam3-tiny.config.json"))
    put("model_config", "partial.json", '{"image_size": 1008, "vit_global": [7, 15, 23, 31], "rope_theta": 10000.0}')
    with open(os.path.join(DATA, "sam3-tiny", "model-hf", "config.json"), "rb") as f:
        hf = f.read()
    index = json.dumps({"metadata": {"total_size": 8},
                        "weight_map": {"a.weight": "model-00001-of-00002.safetensors",
                                       "b.weight": "model-00002-of-00002.safetensors"}}).encode()
    put("hf_config", "config.json", hf)
    put("hf_config", "config-and-index.json", hf + b"\n--index--\n" + index)
    video = {"model_type": "sam3_video", "detector_config": json.loads(hf)}
    put("hf_config", "video-config.json", json.dumps(video))


# --- images --------------------------------------------------------------------------------------
def png(width, height, color_type, bit_depth, rows, extra=b"", interlace=0, plte=None):
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xffffffff)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0,
                                                          interlace))
    if plte:
        out += chunk(b"PLTE", plte)
    out += extra + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return out


def exif(orientation, little=True):
    e = "<" if little else ">"
    return (b"II" if little else b"MM") + struct.pack(e + "HI", 42, 8) + struct.pack(e + "H", 1) + \
        struct.pack(e + "HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(e + "I", 0)


def write_image_seeds():
    copy("image_png", "scene_13x9.png", os.path.join(DATA, "sam3-tiny", "images", "scene_13x9.png"))
    rgb = b"".join(b"\x00" + bytes((x * 40 + y * 7) % 256 for x in range(4 * 3)) for y in range(3))
    def chunk_exif(o):
        body = exif(o)
        return struct.pack(">I", len(body)) + b"eXIf" + body + struct.pack(">I", zlib.crc32(b"eXIf" + body) & 0xffffffff)
    put("image_png", "rgb_exif6.png", png(4, 3, 2, 8, rgb, extra=chunk_exif(6)))
    put("image_png", "gray1.png", png(9, 2, 0, 1, b"\x00\xa5\x80\x00\x5a\x00"))
    put("image_png", "palette.png", png(2, 2, 3, 8, b"\x00\x00\x01\x00\x01\x00", plte=b"\xff\x00\x00\x00\xff\x00"))
    put("image_png", "rgba16.png", png(1, 1, 6, 16, b"\x00" + bytes(range(8))))
    put("image_png", "gray_alpha_interlaced.png", png(3, 3, 4, 8, b"\x00\x10\xff" + b"\x00\x20\x80\x30\x80" +
                                                       b"\x00\x40\x80" + b"\x00\x50\x80\x60\x80\x70\x80\x80\x80\x90\x80",
                                                       interlace=1))
    for name in ("photo_48x32.jpg", "gray_48x32.jpg", "cmyk_48x32.jpg", "progressive_48x32.jpg", "exif6_48x32.jpg",
                 "photo_48x32_444.jpg"):
        copy("image_jpeg", name, os.path.join(DATA, "images", name))


# --- text, RLE, CLI ------------------------------------------------------------------------------
def write_text_seeds():
    texts = {
        "plain.txt": "a photo of a cat",
        "entities.txt": "&amp;lt;b&gt; caf&eacute; &#x1F600; &#128512; &notin &NotEqualTilde; &AMP x",
        "unicode.txt": "Ｆｕｌｌ－ｗｉｄｔｈ ﬁre “quotes” ΣΑΣ İstanbul naïve 日本語 🐕‍🦺",
        "controls.txt": "red\x1b[31m ball\r\n\t\x85 \x00 end",
        "invalid-utf8.bin": b"ab\xc3\x28 \xe2\x82 \xf0\x90\x80 \xff\xfe \xed\xa0\x80 done",
        "long-word.txt": "x" * 300 + " " + "ab" * 100,
        "numbers.txt": "12345 3.14 it's we'll I'M they've",
    }
    for name, t in texts.items():
        put("tokenizer", name, t)
    for name, t in {"one-run.txt": "52", "pycocotools.txt": "0P1n0k2N1O2",
                    "long.txt": "PPYo0000d0ZfN001O0fc0"}.items():
        put("rle", name, t)
    put("rle", "mask-5x4.bin", bytes([5, 4]) + bytes([0, 1, 1, 0, 1] * 4))
    put("rle", "mask-64x64.bin", bytes([64, 64]) + bytes((i * 7 // 13) & 1 for i in range(64 * 64)))
    for name, t in {"plain.txt": "10,20,30,40", "neg.txt": "0.5,1e2,300.25,400:neg",
                    "pos.txt": "-5,-5,5,5:positive", "bad.txt": "nan,1,2,3"}.items():
        put("box_arg", name, t)
    put("box_arg", "hostile.bin", b"evil\x1b[31m\xff,1,2,3:\xe2\x80\xae")
    # The server's /segment and /click bodies (a first "content-type:" line replaces the JSON one).
    for name, t in {
        "segment-text": '{"text": "a cat", "threshold": 0.4}',
        "segment-boxes": '{"text": ["cat", "dog"], "boxes": [[10, 20, 110, 220], '
                         '{"xyxy": [0, 0, 50, 50], "label": "negative"}]}',
        "click-points": '{"points": [[100, 120], [300, 200]], "labels": [1, 0], '
                        '"box": [50, 60, 400, 300], "multimask": false}',
        "click-previous": '{"points": [[5, 5]], "labels": [1], "mask_input": "previous", '
                          '"mask_input_candidate": 2}',
        "wrong-content-type": 'content-type: text/plain\n{"text": "x"}',
    }.items():
        put("server_request", name, t)


if __name__ == "__main__":
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    write_pickle_and_zip_seeds()
    write_safetensors_seeds()
    write_json_seeds()
    write_image_seeds()
    write_text_seeds()
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(OUT) for f in fs)
    print(f"seeds written to {OUT}: {total} bytes")
