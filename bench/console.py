"""The staff console's timings on a running stack: page loads, and publish -> answered.

    .venv/bin/python -m bench.console [--runs 5]

Starts its own stack on free ports with a private copy of knowledge/ and of the index (the
repository's files are never touched), makes an editor account with the real CLI, logs in over
HTTP and measures:

- the unanswered queue page: the first load after start (it loads the embedding model into the
  gateway and embeds the queue), then the median of --runs loads, with 6 questions asked through
  /api/chat, then with --queue questions (written into the console's database directly: 40
  topics x phrasings x both languages) of which the first load embeds the new ones;
- publish -> answered: an edit of an existing FAQ entry's answers (the same pipeline as a new
  entry: the import's checks, the file written, an incremental index build, every action server
  reloaded) posted through /admin/api/faq/publish, then /api/chat polled until the new answer
  comes back; each run undoes the previous one first.

Prints a Markdown table for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from admin.console.forms import edit_form
from admin.console.store import ConsoleStore
from deploy.stack import Stack, StackConfig
from tests.integration.knowledge_copy import private_knowledge
from tests.integration.test_console import ConsoleClient

ROOT = Path(__file__).resolve().parents[1]
ENTRY = "dd-diplomacy-4-0"
QUESTION = "Apa itu Diplomasi 4.0?"
QUEUED = [
    "Apakah perpustakaan Kemlu terbuka untuk umum?",
    "Is the Kemlu library open to the public?",
    "Berapa biaya legalisir ijazah di KBRI?",
    "How much does it cost to legalise a diploma at the embassy?",
    "What is the weather in Tokyo tomorrow?",
    "Siapa juara piala dunia 2022?",
]
POLL_SECONDS = 0.25
TOPICS = [
    "perpustakaan Kemlu", "museum Konferensi Asia Afrika", "legalisir ijazah", "visa pelajar",
    "paspor anak", "lapor diri", "surat keterangan kelahiran", "beasiswa KNB", "magang Kemlu",
    "pernikahan di luar negeri", "SPLP", "pengiriman jenazah", "pajak barang bawaan",
    "pemilu luar negeri", "kartu keluarga", "apostille", "izin tinggal", "kewarganegaraan ganda",
    "pekerja migran", "asuransi perjalanan", "kedutaan di Oslo", "konsulat di Houston",
    "penerjemah tersumpah", "SIM internasional", "vaksin haji", "karantina hewan",
    "ekspor kopi", "investasi", "pameran dagang", "diaspora", "bahasa Indonesia untuk asing",
    "festival budaya", "KTT ASEAN", "G20", "hari kemerdekaan", "upacara bendera",
    "penghargaan diplomat", "rekrutmen CPNS Kemlu", "sekolah Indonesia luar negeri",
    "bantuan hukum WNI",
]  # fmt: skip
PHRASINGS = {
    "id": ["Bagaimana cara mengurus {}?", "Info tentang {} dong", "{} itu apa ya?"],
    "en": ["How do I arrange {}?", "Tell me about {}", "What is {} exactly?"],
}


def chat_text(client: ConsoleClient, message: str) -> str:
    body = {"sender": f"bench-{uuid.uuid4().hex[:10]}", "message": message, "lang": None}
    answer = client.request("POST", "/api/chat", body=body)
    return "\n".join(m["text"] for m in answer.json()["messages"])


def timed(action: object) -> float:
    started = time.monotonic()
    action()  # type: ignore[operator]
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--queue", type=int, default=500, help="questions in the larger queue")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="duta-bench-console-"))
    config = StackConfig.private(
        workdir, extra_env={**private_knowledge(workdir), "RATE_LIMIT_IP_PER_MIN": "0",
                            "RATE_LIMIT_SENDER_PER_MIN": "0"}
    )  # fmt: skip
    stack = Stack(config)
    stack.start_all()
    try:
        stack.wait_healthy()
        password = secrets.token_urlsafe(18)
        subprocess.run(
            [sys.executable, "-m", "admin", "users", "add", "bench", "--role", "editor"],
            cwd=ROOT, env={**os.environ, "DUTA_CONSOLE_DB": str(workdir / "console.db")},
            input=password + "\n", text=True, check=True, capture_output=True,
        )  # fmt: skip
        client = ConsoleClient(config.gateway_url)
        for question in QUEUED:
            chat_text(client, question)
        assert client.login("bench", password).status == 303
        cold = timed(lambda: client.request("GET", "/admin/unanswered"))
        warm = [timed(lambda: client.request("GET", "/admin/unanswered")) for _ in range(args.runs)]
        faq = [timed(lambda: client.request("GET", "/admin/faq")) for _ in range(args.runs)]
        store = ConsoleStore(workdir / "console.db")
        for n in range(args.queue):
            topic = TOPICS[n % len(TOPICS)]
            lang = "id" if n % 2 else "en"
            text = PHRASINGS[lang][(n // len(TOPICS)) % len(PHRASINGS[lang])].format(topic)
            store.add_unanswered("api", lang, "fallback", text)
        big_cold = timed(lambda: client.request("GET", "/admin/unanswered"))
        big = [timed(lambda: client.request("GET", "/admin/unanswered")) for _ in range(args.runs)]
        headers = {"X-CSRF-Token": client.csrf()}
        [entry] = client.request("GET", f"/admin/api/faq?q={ENTRY}").json()["entries"]
        publish: list[float] = []
        for run in range(args.runs):
            changes = client.request("GET", "/admin/api/changes").json()["changes"]
            if changes and not changes[0]["undone_by"]:
                undo = {"change_id": str(changes[0]["id"])}
                client.request("POST", "/admin/api/changes/undo", body=undo, headers=headers)
            marker = f"BENCH-{run}-{uuid.uuid4().hex[:6]}"
            form = edit_form(entry) | {"allow_similar": "on"}
            form["answer_id"] += f" ({marker})"
            form["answer_en"] += f" ({marker})"
            started = time.monotonic()
            answer = client.request("POST", "/admin/api/faq/publish", body=form, headers=headers)
            if answer.status != 200:
                raise SystemExit(f"publish failed: {answer.body}")
            while marker not in chat_text(client, QUESTION):
                if time.monotonic() - started > 300:
                    raise SystemExit("not answered within 300 s")
                time.sleep(POLL_SECONDS)
            publish.append(time.monotonic() - started)
    finally:
        stack.stop_all()

    def cell(values: list[float]) -> str:
        return f"**{statistics.median(values):.2f} s** ({', '.join(f'{v:.2f}' for v in values)})"

    load = os.getloadavg()
    print(
        f"Date {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores, "
        f"{platform.machine()}, Python {platform.python_version()}; load average "
        f"{load[0]:.1f} at the end.\n"
    )
    print("| what | runs | median (each) |\n|---|---|---|")
    print(f"| unanswered queue page, first load (embedding model loaded) | 1 | {cold:.2f} s |")
    print(f"| unanswered queue page, {len(QUEUED)} questions | {len(warm)} | {cell(warm)} |")
    print(f"| the same with {args.queue} more, first load (embeds them) | 1 | {big_cold:.2f} s |")
    total = len(QUEUED) + args.queue
    print(f"| unanswered queue page, {total} questions | {len(big)} | {cell(big)} |")
    print(f"| FAQ list page | {len(faq)} | {cell(faq)} |")
    print(f"| publish (an edit) -> answered through /api/chat | {len(publish)} | {cell(publish)} |")
    print(json.dumps({"publish": publish, "queue": warm, "faq": faq, "cold": cold}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
