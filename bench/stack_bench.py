"""Start-up time, resident memory and /api/chat latency of the whole stack.

    .venv/bin/python -m bench.stack_bench [--messages 100]

Starts its own stack on free ports (like the integration tests), so a running `make run` is
untouched. Prints a Markdown table to paste into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from deploy.stack import PROCESS_NAMES, Stack, StackConfig

MESSAGES = [
    "halo", "hello", "Kapan ICDD diadakan?", "When was the ICDD held?",
    "apa itu diplomasi digital?", "what is digital diplomacy?",
    "terima kasih", "thanks", "bantuan", "help",
]  # fmt: skip


def _group_read(pgid: int, name: str) -> Iterator[str]:
    """/proc/<pid>/<name> of every live process in a process group (Rasa forks helpers)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                yield (entry / name).read_text()
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue


def group_rss_mib(pgid: int) -> float:
    """Resident memory of every process in a process group."""
    total_kib = 0
    for status in _group_read(pgid, "status"):
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total_kib += int(line.split()[1])
    return total_kib / 1024


def group_cpu_seconds(pgid: int) -> float:
    """CPU time (user + system) used so far by the live processes of a process group."""
    ticks = 0
    for stat in _group_read(pgid, "stat"):
        # Fields after the command name, which may hold spaces: utime and stime are 14 and 15.
        fields = stat.rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def chat(url: str, sender: str, message: str) -> float:
    body = json.dumps({"sender": sender, "message": message, "lang": None}).encode()
    request = urllib.request.Request(
        f"{url}/api/chat", data=body, headers={"Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        assert response.status == 200
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        config = StackConfig.private(
            Path(workdir),
            # Every message comes from 127.0.0.1: lift the rate limits for the measurement.
            extra_env={
                "RATE_LIMIT_SENDER_PER_MIN": "0",
                "RATE_LIMIT_IP_PER_MIN": "0",
            },
        )
        stack = Stack(config)
        started = time.monotonic()
        stack.start_all()
        try:
            stack.wait_healthy()
            healthy_s = time.monotonic() - started
            chat(config.gateway_url, "bench-warmup", "halo")
            latencies = [
                chat(config.gateway_url, f"bench-{i // 10}", MESSAGES[i % len(MESSAGES)])
                for i in range(args.messages)
            ]
            rss = {name: group_rss_mib(stack.processes[name].pid) for name in PROCESS_NAMES}
        finally:
            stack.stop_all()
    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    print("| measure | value |\n|---|---|")
    print(f"| start to healthy /health | {healthy_s:.1f} s |")
    for name, mib in rss.items():
        print(f"| resident memory, {name} | {mib:.0f} MiB |")
    print(f"| /api/chat p50 ({args.messages} sequential) | {statistics.median(latencies):.0f} ms |")
    print(f"| /api/chat p95 ({args.messages} sequential) | {p95:.0f} ms |")


if __name__ == "__main__":
    main()
