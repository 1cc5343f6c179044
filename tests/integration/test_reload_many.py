"""Several action servers all load a published change (issue 22, point 7; docs/deploy.md).

Two real action servers (`python -m actions`) serve one private copy of the index; a staff
member edits a cell of the exported spreadsheet and imports it with --retrain from a shell that
names both in DUTA_ACTION_SERVERS. Both then serve the new version (and the knowledge in it),
not only the one a load balancer in ACTION_SERVER_URL would have reached. No Rasa is needed."""

from __future__ import annotations

import csv
import io
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.stack import APP_PYTHON, ROOT, free_port
from knowledge.store import current_version

from .knowledge_copy import private_knowledge

pytestmark = pytest.mark.integration
MARKER = "DUTA-RELOAD-MANY"


def _status(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(f"{url}/index/status", timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0, {}


@pytest.fixture(scope="module")
def two_action_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    workdir = tmp_path_factory.mktemp("reload-many")
    env = {**os.environ, **private_knowledge(workdir), "ACTION_SERVER_TOKEN": "x" * 24}
    env["DUTA_STACK_FILE"] = str(workdir / "no-stack.env")  # nothing wired from a make run
    processes, urls = [], []
    try:
        for number in (1, 2):
            port = free_port()
            log = (workdir / f"action_server_{number}.log").open("wb")
            process = subprocess.Popen(
                [str(APP_PYTHON), "-m", "actions", "--port", str(port)],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
            processes.append(process)
            urls.append(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + float(os.environ.get("DUTA_START_TIMEOUT_SECONDS") or 300)
        while not all(_status(url)[0] == 200 for url in urls):
            assert time.monotonic() < deadline, "action servers did not load their index"
            assert all(p.poll() is None for p in processes), "an action server exited"
            time.sleep(1.0)
        yield {"env": env, "urls": urls, "workdir": workdir}
    finally:
        for process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def test_an_imported_sheet_reaches_every_action_server(two_action_servers: dict) -> None:
    env, urls, workdir = (two_action_servers[k] for k in ("env", "urls", "workdir"))
    index = Path(env["DUTA_INDEX_DIR"])
    served = current_version(index)
    assert served is not None
    assert {_status(url)[1]["version"] for url in urls} == {served.name}

    sheet = workdir / "faq.csv"
    command = [sys.executable, "-m", "admin", "faq"]
    subprocess.run([*command, "export", str(sheet)], cwd=ROOT, env=env, check=True, timeout=120)
    rows = list(csv.reader(io.StringIO(sheet.read_text("utf-8-sig"), newline="")))
    header = rows[0]
    rows[3][header.index("answer_en")] += f" ({MARKER})"
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    sheet.write_text("\ufeff" + out.getvalue(), encoding="utf-8")

    # ACTION_SERVER_URL names one (as a load balancer would); DUTA_ACTION_SERVERS names both.
    shell = {**env, "ACTION_SERVER_URL": urls[0], "DUTA_ACTION_SERVERS": ",".join(urls)}
    result = subprocess.run(
        [*command, "import", "--update", str(sheet), "--retrain", "--rasa", "skip"],
        cwd=ROOT, env=shell, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 new, 1 changed" in result.stdout
    assert f"reloaded: {', '.join(urls)}" in result.stdout, result.stdout
    new = current_version(index)
    assert new is not None and new.name != served.name
    for url in urls:
        status, body = _status(url)
        assert status == 200 and body["version"] == new.name, (url, body)
    units = (new / "units.jsonl").read_text(encoding="utf-8")
    assert MARKER in units
    # The version is labelled: who (DUTA_CHANGED_BY or the login name) and the command.
    manifest = json.loads((new / "manifest.json").read_text(encoding="utf-8"))
    assert "faq import faq.csv" in manifest["build"]["command"] and manifest["build"]["by"]


def test_a_refused_reload_leaves_every_server_on_the_previous_version(
    two_action_servers: dict,
) -> None:
    """A shell with the wrong token: the servers refuse, `current` does not move, and the
    previous version keeps serving on both."""
    env, urls = two_action_servers["env"], two_action_servers["urls"]
    index = Path(env["DUTA_INDEX_DIR"])
    before = current_version(index)
    assert before is not None
    faq = Path(env["DUTA_KNOWLEDGE_DIR"]) / "faq" / "staff.yml"
    original = faq.read_text(encoding="utf-8") if faq.exists() else None
    entry = (
        "\n- id: reload-many-probe\n  source: {title: Probe, date: 2026-12-01}\n"
        "  questions: {id: ['Apakah uji muat ulang berjalan?'],\n"
        "              en: ['Does the reload probe run?']}\n"
        "  answers: {id: 'Ya, uji berjalan.', en: 'Yes, the probe runs.'}\n"
    )
    faq.write_text((original or "") + entry, encoding="utf-8")
    try:
        shell = {**env, "DUTA_ACTION_SERVERS": ",".join(urls)}
        shell["DUTA_ADMIN_TOKEN"] = secrets.token_urlsafe(8)  # neither server accepts it
        result = subprocess.run(
            [sys.executable, "-m", "admin", "retrain", "--rasa", "skip"],
            cwd=ROOT, env=shell, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 1 and "401" in result.stderr, result.stdout + result.stderr
        assert current_version(index) == before
        for url in urls:
            assert _status(url)[1]["version"] == before.name
    finally:
        if original is None:
            faq.unlink(missing_ok=True)
        else:
            faq.write_text(original, encoding="utf-8")
