"""A cheaper forward pass for single queries (the search path), numerically the same model.

sentence-transformers runs the transformer eagerly in float32. For one short query on this box the
time goes to the 73 small matrix products of the encoder, which are bound by reading the weights
(about 84 MB in float32). Here a copy of the encoder layers is traced once at load time (about 6 s),
frozen and optimised for inference (oneDNN kernels, fused ops), and, where the CPU has native
bfloat16 (AVX512-BF16 / AMX), kept in bfloat16 so each query reads half the bytes; the token
embeddings stay shared with the float32 model. Measured on the retrieval questions: cosine
>= 0.99996 against the float32 path, and about 60% of its CPU time (docs/benchmarks.md).
Passages (index builds, batches with padding) keep the float32 sentence-transformers path.
"""

from __future__ import annotations

import copy
import os
import warnings
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch
    from sentence_transformers import SentenceTransformer

# $DUTA_QUERY_ENCODER: "fast" (default: traced, bfloat16 where the CPU supports it), "fp32"
# (traced, float32) or "exact" (plain sentence-transformers encode, no tracing).
MODES = ("fast", "fp32", "exact")


def query_encoder_mode() -> str:
    mode = os.environ.get("DUTA_QUERY_ENCODER", "fast").strip().lower() or "fast"
    if mode not in MODES:
        raise ValueError(f"DUTA_QUERY_ENCODER must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


def bf16_supported() -> bool:
    import torch

    # Without native bfloat16 instructions oneDNN emulates it and is slower than float32.
    return bool(
        torch.backends.mkldnn.is_available() and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    )


class TracedQueryEncoder:
    """Mean-pooled, L2-normalised embeddings of one text at a time (no padding, no batching)."""

    def __init__(self, model: SentenceTransformer, bfloat16: bool) -> None:
        import torch

        self._tokenizer = model.tokenizer
        self._prompt = (model.prompts or {}).get("query", "")
        self._max_length = int(model.max_seq_length or 512)
        transformer = model[0].auto_model
        # The token-embedding table (250k x 384, most of the model's memory) is shared with the
        # float32 model and looked up as is; only the encoder layers, the part whose weights
        # every query reads, are copied (about 80 MB float32, 40 MB bfloat16) and traced.
        self._embeddings = transformer.embeddings
        encoder = copy.deepcopy(transformer.encoder).eval()
        self._dtype = torch.bfloat16 if bfloat16 else torch.float32
        encoder = encoder.to(self._dtype)
        example = self._hidden(self._encode_ids("warm-up query"))
        # Tracing warns about Python branches on shapes (fixed here: one text, so no padding and
        # no attention mask) and that TorchScript is deprecated in favour of torch.compile, which
        # compiles for minutes.
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            traced = torch.jit.trace(encoder, (example,), strict=False)
            self._module = torch.jit.optimize_for_inference(torch.jit.freeze(traced.eval()))
        self.dtype = "bfloat16" if bfloat16 else "float32"
        # Names this way of computing query vectors (bench caches key on it).
        self.version = f"traced-encoder-{self.dtype}"
        # TorchScript's profiling executor optimises the graph over its first calls (the second
        # call is ~10x slower than the rest): pay that here, not on users' queries.
        for text in ("warm-up", "a longer warm-up query for the encoder", "pemanasan"):
            self.embed(text)

    def _encode_ids(self, text: str) -> dict[str, torch.Tensor]:
        return self._tokenizer(
            [self._prompt + text],
            return_tensors="pt",
            truncation=True,
            max_length=self._max_length,
        )

    def _hidden(self, ids: dict[str, torch.Tensor]) -> torch.Tensor:
        import torch

        with torch.inference_mode():
            return self._embeddings(input_ids=ids["input_ids"]).to(self._dtype)

    def embed(self, text: str) -> np.ndarray:
        import torch

        hidden = self._hidden(self._encode_ids(text))
        with torch.inference_mode():
            out = self._module(hidden)
            states = (out["last_hidden_state"] if isinstance(out, dict) else out[0]).float()
            # One text, no padding: the mean over all tokens is the model's mean pooling.
            vector = torch.nn.functional.normalize(states.mean(dim=1), dim=-1)
        return vector[0].numpy().astype(np.float32, copy=False)


def build_query_encoder(model: SentenceTransformer) -> TracedQueryEncoder | None:
    """The traced encoder for the configured mode, or None for the plain "exact" path."""
    mode = query_encoder_mode()
    if mode == "exact":
        return None
    return TracedQueryEncoder(model, bfloat16=mode == "fast" and bf16_supported())
