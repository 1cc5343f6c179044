"""Search latency (query embedding included), build throughput and index memory.

    python -m bench.latency [--index DIR] [--queries N]

Latency: kb.search over the project's index for in-scope questions and xSID utterances, one at a
time as the action server calls it, after a short warm-up. Build: the project's content/ folder
into a temporary index root (model already loaded). Memory: resident-set growth when the index is
loaded next to an already loaded model, plus the files on disk.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from bench.common import machine
from bench.oos import load_xsid
from knowledge.build.builder import build_index
from knowledge.build.evaluation import default_questions_path, load_questions
from knowledge.paths import default_source_dir
from knowledge.search import KnowledgeBase, shared_embedder


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=Path)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    embedder = shared_embedder()
    before = rss_mib()
    kb = KnowledgeBase.load(args.index, embedder=embedder)
    index_mib = rss_mib() - before
    disk_mib = sum(p.stat().st_size for p in kb.path.iterdir()) / 2**20

    in_scope = [q.text for q in load_questions(default_questions_path(), "all")]
    out_scope = [t for _, t in load_xsid("valid", "en") + load_xsid("valid", "id")]
    queries = (in_scope + out_scope[::3])[: args.queries]
    for query in queries[:10]:
        kb.search(query)
    # Wall time is what a user waits for; CPU time (this process's, all its threads) is what the
    # search costs, and stays meaningful when other jobs share the two cores.
    total, embed, total_cpu, follow_up, one_by_one = [], [], [], [], []
    for n, query in enumerate(queries):
        # A follow-up turn (actions/answer.py search_in_context): the message alone and with
        # up to two earlier questions, in one batch; and the same three searched one by one.
        batch = [query] + [f"{queries[n - back]} {query}" for back in (1, 2)]
        started = time.perf_counter()
        kb.search_many(batch, k=5)
        follow_up.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        for one in batch:
            kb.search(one, k=5)
        one_by_one.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        kb.embedder.embed_queries([query])
        embed.append((time.perf_counter() - started) * 1000)
        started, started_cpu = time.perf_counter(), time.process_time()
        kb.search(query, k=5)
        total.append((time.perf_counter() - started) * 1000)
        total_cpu.append((time.process_time() - started_cpu) * 1000)
    load = Path("/proc/loadavg").read_text().split()[:3]

    print(
        f"machine: {machine()}; torch threads {torch.get_num_threads()}; index {kb.version} "
        f"({kb.manifest['counts']['units']} units); load average {' '.join(load)}"
    )
    print("| measure | p50 ms | p95 ms | mean ms |\n|---|---|---|---|")
    for name, values in (
        ("kb.search wall time (embedding included)", total),
        ("kb.search CPU time (embedding included)", total_cpu),
        ("query embedding alone, wall time", embed),
        ("follow-up: kb.search_many of 3 (alone + 2 earlier questions), wall", follow_up),
        ("the same 3 as kb.search one by one, wall", one_by_one),
    ):
        print(
            f"| {name} | {percentile(values, 0.5):.1f} | {percentile(values, 0.95):.1f} | "
            f"{statistics.fmean(values):.1f} |"
        )
    print(
        f"index memory: +{index_mib:.1f} MiB RSS when loaded (model excluded); "
        f"{disk_mib:.1f} MiB on disk; process RSS {rss_mib():.0f} MiB with the model"
    )

    if not args.skip_build:
        with tempfile.TemporaryDirectory() as tmp:
            report = build_index(default_source_dir(), Path(tmp), embedder)
        print(
            f"build: {report.units} units in {report.seconds:.1f}s = {report.units_per_second:.1f} "
            f"units/s (embedding {report.embed_seconds:.1f}s of it)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
