"""Okapi BM25 over token lists, with postings in numpy arrays so a query costs a few array ops."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class BM25:
    def __init__(self, corpus: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75) -> None:
        self.k1 = k1
        self.b = b
        self.size = len(corpus)
        lengths = np.array([len(doc) for doc in corpus], dtype=np.float32)
        self.avg_len = float(lengths.mean()) if self.size and lengths.sum() > 0 else 1.0
        postings: dict[str, tuple[list[int], list[int]]] = {}
        for idx, doc in enumerate(corpus):
            for term, tf in Counter(doc).items():
                docs, tfs = postings.setdefault(term, ([], []))
                docs.append(idx)
                tfs.append(tf)
        norm = k1 * (1.0 - b + b * lengths / self.avg_len)
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.idf: dict[str, float] = {}
        for term, (docs, tfs) in postings.items():
            doc_arr = np.asarray(docs, dtype=np.int64)
            tf_arr = np.asarray(tfs, dtype=np.float32)
            # Precompute the saturated term weight per posting: a query only multiplies by idf.
            weight = tf_arr * (k1 + 1.0) / (tf_arr + norm[doc_arr])
            self._postings[term] = (doc_arr, weight)
            df = len(docs)
            self.idf[term] = math.log(1.0 + (self.size - df + 0.5) / (df + 0.5))

    def scores(self, query: Sequence[str]) -> np.ndarray:
        """BM25 score of every document for the query (zeros where no term matches)."""
        out = np.zeros(self.size, dtype=np.float32)
        for term in set(query):
            posting = self._postings.get(term)
            if posting is not None:
                docs, weight = posting
                out[docs] += self.idf[term] * weight
        return out

    def units_with(self, term: str) -> np.ndarray:
        """Indices of the documents that contain the term."""
        posting = self._postings.get(term)
        return posting[0] if posting is not None else np.zeros(0, dtype=np.int64)

    def max_idf(self) -> float:
        """The idf of a term that occurs once; the ceiling for unknown query terms."""
        return math.log(1.0 + (self.size - 0.5) / 1.5) if self.size else 0.0

    def query_idf(self, query: Sequence[str]) -> dict[str, float]:
        """idf of each distinct query term; unseen terms get the ceiling (they are informative)."""
        ceiling = self.max_idf()
        return {term: self.idf.get(term, ceiling) for term in set(query)}
