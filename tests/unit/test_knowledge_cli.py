"""The command line contract (docs/architecture.md, "Contracts"), run as real subprocesses."""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from admin.cli import main
from tests.unit.knowledge_testkit import DOCUMENTS_DIR, PROJECT_ROOT


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "admin", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("cli")
    source = base / "docs"
    source.mkdir()
    # A plain folder of .txt/.md/.jsonl, as the contract says, plus one real source document.
    (source / "safe-travel.txt").write_text(
        "Aplikasi Safe Travel\n\nSafe Travel adalah aplikasi Kemlu untuk melindungi WNI "
        "di luar negeri. "
        "Tombol darurat terhubung ke KBRI terdekat.",
        encoding="utf-8",
    )
    records = [
        {
            "id": "visa-b1",
            "title": "e-VOA",
            "text": "The e-VOA visa on arrival allows a 30-day stay.",
            "url": "https://evisa.imigrasi.go.id",
        },
        {"id": "peduli", "title": "Peduli WNI", "text": "Peduli WNI adalah portal lapor diri WNI."},
        # The same text published twice (spacing and punctuation differ): indexed once.
        {"id": "peduli-copy", "text": "Peduli WNI adalah portal lapor-diri WNI !"},
    ]
    (source / "records.jsonl").write_text(
        "\n".join(json.dumps(r) for r in records), encoding="utf-8"
    )
    shutil.copy(DOCUMENTS_DIR / "001_f7c03f9f912ae368.md", source)
    index = base / "index"
    # Built in-process (the model is loaded once per test session); the two search modes below
    # run as real subprocesses.
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["build", "--source", str(source), "--index", str(index)]) == 0
    assert "built" in out.getvalue() and (index / "current").is_symlink()
    return index


def test_search_single_query_json(built: Path) -> None:
    done = run(
        "search",
        "--index",
        str(built),
        "--k",
        "3",
        "--json",
        "how long can I stay with a visa on arrival",
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["query"] == "how long can I stay with a visa on arrival"
    assert 1 <= len(record["hits"]) <= 3
    hit = record["hits"][0]
    assert {"doc_id", "kind", "score", "title", "text", "source"} <= set(hit)
    assert hit["doc_id"] == "visa-b1" and hit["kind"] == "document" and hit["title"] == "e-VOA"
    assert hit["source"]["url"] == "https://evisa.imigrasi.go.id"
    assert isinstance(hit["score"], float)


def test_search_queries_file_one_json_line_each(built: Path, tmp_path: Path) -> None:
    queries = tmp_path / "q.txt"
    queries.write_text(
        "aplikasi perlindungan WNI\n\nSmart Embassy KBRI Singapura\nportal lapor diri\n",
        encoding="utf-8",
    )
    # No --index: the default index comes from $DUTA_INDEX_DIR.
    done = run("search", "--k", "2", "--queries", str(queries), env={"DUTA_INDEX_DIR": str(built)})
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [x["query"] for x in lines] == [
        "aplikasi perlindungan WNI",
        "Smart Embassy KBRI Singapura",
        "portal lapor diri",
    ]
    assert [x["hits"][0]["doc_id"] for x in lines] == [
        "safe-travel",
        "001_f7c03f9f912ae368",
        "peduli",
    ]
    assert all(len(x["hits"]) <= 2 for x in lines)
    assert all(h["kind"] in ("faq", "document") for x in lines for h in x["hits"])
    # The copy is no second hit: the kept document names it.
    assert lines[2]["hits"][0]["same_text"] == ["peduli-copy"]
    assert "peduli-copy" not in {h["doc_id"] for x in lines for h in x["hits"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("build", "--source", "/no/such/folder", "--index", "{tmp}/i"), "source folder not found"),
        (("search", "--index", "{tmp}/none", "ICDD"), "no index at"),
        (("search", "--index", "{tmp}/none"), "give either a query or --queries"),
        (
            ("search", "--index", "{tmp}/none", "--queries", "{tmp}/missing.txt"),
            "queries file not found",
        ),
        (("search", "--k", "0", "ICDD"), "--k must be a positive number"),
        (("search", "   "), "the query is empty"),
        (("build", "--source", "{tmp}/bad", "--index", "{tmp}/i"), "bad.jsonl:1"),
        (("eval", "--questions", "{tmp}/missing.yml"), "question file not found"),
    ],
)
def test_user_mistakes_exit_2_without_traceback(
    tmp_path: Path, args: tuple[str, ...], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # In-process (these fail before any model is loaded); the subprocess tests above cover the
    # real entry point.
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "bad.jsonl").write_text('{"id": 1, "text": }\n', encoding="utf-8")
    code = main([a.format(tmp=tmp_path) for a in args])
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err


def test_argparse_mistakes_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["search", "--k", "many", "ICDD"])
    assert exc.value.code == 2 and "invalid int value" in capsys.readouterr().err


def test_corrupt_index_is_refused(
    built: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "index"
    shutil.copytree(built, copy, symlinks=True)
    vectors = next((copy / "versions").iterdir()) / "vectors.faiss"
    vectors.write_bytes(vectors.read_bytes()[:-100])
    assert main(["search", "--index", str(copy), "ICDD"]) == 2
    assert "does not match the manifest" in capsys.readouterr().err
