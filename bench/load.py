"""Load on /api/chat: concurrent bilingual senders, latency percentiles, errors, memory.

    .venv/bin/python -m bench.load                       # both runs below, Markdown on stdout
    .venv/bin/python -m bench.load --senders 20 --duration 60 --no-search
    .venv/bin/python -m bench.load --no-senders --rates 2,4,6,8,10 --step 30

Starts its own stack on free ports (like bench.stack_bench and the integration tests). Two runs:

- senders: N people chatting at once, each thinking between messages (exponential, mean
  --think seconds) as someone reading an answer and typing the next question does. Every
  conversation is in one language (60 % Indonesian), starts with a greeting, asks a few questions
  from tests/data/retrieval_questions.yml with some small talk, then a new sender id takes over.
- rate search: open-loop arrivals (Poisson) at rising rates over many senders; the highest rate
  whose p95 stays within --p95-limit seconds, with no errors, is the sustained throughput.

All requests come from 127.0.0.1, so the per-address limit (RATE_LIMIT_IP_PER_MIN) is lifted for
this stack; the per-sender limit stays at its default (20/min) and a 429 counts as an error.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import subprocess
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from bench.stack_bench import group_cpu_seconds, group_rss_mib
from deploy.stack import PROCESS_NAMES, ROOT, Stack, StackConfig

QUESTIONS_FILE = ROOT / "tests" / "data" / "retrieval_questions.yml"
SMALL_TALK = {
    "id": ["terima kasih", "oke", "makasih ya", "bantuan", "siapa kamu?", "pakai bahasa apa?"],
    "en": ["thanks", "ok", "thank you!", "help", "who are you?", "what can you do?"],
}
GREETINGS = {"id": ["halo", "selamat pagi", "hai"], "en": ["hello", "hi", "good morning"]}
# A few questions outside Duta's scope, as the public asks them too.
OUT_OF_SCOPE = {
    "id": ["resep rendang yang enak", "siapa juara piala dunia 2018?"],
    "en": ["what's the weather in Paris", "recommend a good laptop"],
}


def load_questions() -> dict[str, list[str]]:
    """The retrieval test questions split by language (code-mixed ones count as Indonesian)."""
    data = yaml.safe_load(QUESTIONS_FILE.read_text(encoding="utf-8"))
    by_language: dict[str, list[str]] = {"id": [], "en": []}
    for split in data.values():
        for item in split:
            language = "en" if str(item.get("style", "")).endswith("-en") else "id"
            by_language[language].append(item["q"])
    return by_language


class Conversations:
    """Endless realistic conversations: one language each, greeting, questions, small talk."""

    def __init__(self, questions: dict[str, list[str]], rng: random.Random) -> None:
        self.questions = questions
        self.rng = rng
        self.count = 0

    def next_script(self) -> tuple[str, list[str]]:
        self.count += 1
        rng = self.rng
        language = "id" if rng.random() < 0.6 else "en"
        script = [rng.choice(GREETINGS[language])]
        for _ in range(rng.randint(2, 5)):
            roll = rng.random()
            if roll < 0.7:
                script.append(rng.choice(self.questions[language]))
            elif roll < 0.9:
                script.append(rng.choice(SMALL_TALK[language]))
            else:
                script.append(rng.choice(OUT_OF_SCOPE[language]))
        script.append(rng.choice(SMALL_TALK[language][:3]))  # thanks / ok at the end
        return f"load-{os.getpid()}-{self.count}", script


@dataclass
class Results:
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    finished: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / max(self.finished - self.started, 1e-9)

    def percentile(self, p: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


async def send(
    session: aiohttp.ClientSession, url: str, sender: str, message: str, results: Results
) -> None:
    """One message; a non-200, an unreadable body or a gateway apology counts as an error."""
    payload = {"sender": sender, "message": message, "lang": None}
    started = time.perf_counter()
    try:
        async with session.post(url, json=payload) as response:
            body = await response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                results.error(f"HTTP {response.status}")
                return
            reply = json.loads(body)
            if not reply.get("messages"):
                results.error("empty reply")
                return
    except (aiohttp.ClientError, TimeoutError, ValueError) as error:
        results.error(type(error).__name__)
        return
    results.latencies_ms.append(elapsed)


async def run_senders(
    url: str, senders: int, duration: float, think: float, rng: random.Random
) -> Results:
    """Closed loop: each sender sends, reads, thinks, sends again, until the time is up."""
    conversations = Conversations(load_questions(), rng)
    results = Results()
    deadline = time.monotonic() + duration

    async def sender_loop(session: aiohttp.ClientSession) -> None:
        # Staggered start, as people do not all arrive in the same second.
        await asyncio.sleep(rng.uniform(0, think))
        while time.monotonic() < deadline:
            sender, script = conversations.next_script()
            for message in script:
                if time.monotonic() >= deadline:
                    return
                await send(session, url, sender, message, results)
                await asyncio.sleep(rng.expovariate(1 / think))

    async with _session() as session:
        results.started = time.monotonic()
        await asyncio.gather(*(sender_loop(session) for _ in range(senders)))
        results.finished = time.monotonic()
    return results


async def run_rate(url: str, rate: float, duration: float, rng: random.Random) -> Results:
    """Open loop: Poisson arrivals at `rate` per second, spread over many conversations."""
    conversations = Conversations(load_questions(), rng)
    results = Results()
    # Enough parallel conversations that no sender comes near its 20 messages a minute.
    active: list[tuple[str, list[str]]] = [
        conversations.next_script() for _ in range(max(20, int(rate * 10)))
    ]
    pending: set[asyncio.Task[None]] = set()
    async with _session() as session:
        results.started = time.monotonic()
        deadline = results.started + duration
        while (now := time.monotonic()) < deadline:
            slot = rng.randrange(len(active))
            sender, script = active[slot]
            message = script.pop(0)
            if not script:
                active[slot] = conversations.next_script()
            task = asyncio.create_task(send(session, url, sender, message, results))
            pending.add(task)
            task.add_done_callback(pending.discard)
            await asyncio.sleep(max(0.0, rng.expovariate(rate) - (time.monotonic() - now)))
        if pending:
            await asyncio.wait(pending)
        results.finished = time.monotonic()
    return results


def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=60),
    )


class ProcessWatch:
    """Peak resident memory of each process group, sampled every second during a run, and the CPU
    time each spent per answer in the last run (which process a faster machine would need)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.peak_mib = dict.fromkeys(PROCESS_NAMES, 0.0)
        self.cpu_ms_per_answer = dict.fromkeys(PROCESS_NAMES, 0.0)

    async def watch(self, until: Awaitable[Results]) -> Results:
        cpu_before = self.cpu_seconds()
        task = asyncio.ensure_future(until)
        while not task.done():
            self.sample()
            await asyncio.wait({task}, timeout=1.0)
        self.sample()
        results = task.result()
        answers = max(len(results.latencies_ms), 1)
        for name, seconds in self.cpu_seconds().items():
            self.cpu_ms_per_answer[name] = (seconds - cpu_before[name]) * 1000 / answers
        return results

    def cpu_seconds(self) -> dict[str, float]:
        return {name: group_cpu_seconds(self.stack.processes[name].pid) for name in PROCESS_NAMES}

    def sample(self) -> None:
        for name in PROCESS_NAMES:
            mib = group_rss_mib(self.stack.processes[name].pid)
            self.peak_mib[name] = max(self.peak_mib[name], mib)


def row(label: str, results: Results) -> str:
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(results.errors.items())) or "0"
    return (
        f"| {label} | {results.requests} | {results.throughput:.1f} | "
        f"{results.percentile(50):.0f} | {results.percentile(95):.0f} | "
        f"{results.percentile(99):.0f} | {max(results.latencies_ms, default=0):.0f} | {errors} |"
    )


HEADER = (
    "| run | requests | answers/s | p50 ms | p95 ms | p99 ms | max ms | errors |\n"
    "|---|---|---|---|---|---|---|---|"
)


def cpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"


async def measure(stack: Stack, args: argparse.Namespace) -> list[str]:
    url = f"{stack.config.gateway_url}/api/chat"
    rng = random.Random(args.seed)
    watch = ProcessWatch(stack)
    lines = [HEADER]

    async def run(label: str, job: Callable[[], Awaitable[Results]]) -> Results:
        results = await watch.watch(job())
        lines.append(row(label, results))
        print(lines[-1], flush=True)
        return results

    # Warm-up: the first answers load lazily (TensorFlow graphs, the embedder's first batch).
    await run("warm-up (not counted)", lambda: run_senders(url, 4, 15, 1.0, rng))
    cpu = {}
    if args.senders:
        label = f"{args.senders} senders, think {args.think:g} s, {args.duration:g} s"
        await run(label, lambda: run_senders(url, args.senders, args.duration, args.think, rng))
        cpu = dict(watch.cpu_ms_per_answer)
    best = None
    for rate in args.rates:
        label = f"open loop {rate:g}/s, {args.step:g} s"
        results = await run(label, lambda r=rate: run_rate(url, r, args.step, rng))
        if results.errors or results.percentile(95) > args.p95_limit * 1000:
            break
        best = results
    if args.rates:
        found = f"{best.throughput:.1f} answers/s" if best else "none of the rates tried"
        lines.append(f"\nHighest sustained throughput with p95 <= {args.p95_limit:g} s: {found}")
    lines.append("\n| process | peak resident memory | CPU ms per answer (senders run) |")
    lines.append("|---|---|---|")
    lines += [
        f"| {name} | {mib:.0f} MiB | {cpu.get(name, float('nan')):.0f} |"
        for name, mib in watch.peak_mib.items()
    ]
    return lines


async def profile(config: StackConfig, rounds: int) -> list[str]:
    """Where one answer's time goes, sequentially: gateway, Rasa, its tracker, the actions."""
    questions = load_questions()
    script = [q for pair in zip(questions["id"], questions["en"], strict=False) for q in pair]
    token = {"token": config.rasa_token}
    rasa = config.rasa_url
    action_url = f"http://127.0.0.1:{config.action_port}/webhook"
    action_auth = {"Authorization": f"Bearer {config.action_token}"}
    timings: dict[str, list[float]] = {}

    async def timed(label: str, call: Awaitable[Any]) -> Any:
        started = time.perf_counter()
        result = await call
        timings.setdefault(label, []).append((time.perf_counter() - started) * 1000)
        return result

    async def fetch(session: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
        async with session.request(method, url, **kw) as response:
            response.raise_for_status()
            return await response.json(content_type=None)

    async with _session() as session:
        domain = await fetch(
            session, "GET", f"{rasa}/domain", params=token, headers={"Accept": "application/json"}
        )
        for n in range(rounds):
            message = script[n % len(script)]
            body = {"sender": f"profile-gw-{n // 6}", "message": message, "lang": None}
            gateway = f"{config.gateway_url}/api/chat"
            await timed("gateway /api/chat (all of it)", fetch(session, "POST", gateway, json=body))
            sender = f"profile-rasa-{n // 6}"
            webhook = f"{rasa}/webhooks/duta/webhook"
            await timed(
                "Rasa gateway channel (NLU, policies, actions)",
                fetch(
                    session,
                    "POST",
                    webhook,
                    json={"sender": sender, "message": message},
                    headers={"Authorization": f"Bearer {config.rasa_token}"},
                ),
            )
            tracker_url = f"{rasa}/conversations/{sender}/tracker"
            await timed(
                "Rasa tracker read (language slot)",
                fetch(session, "GET", tracker_url, params={**token, "include_events": "NONE"}),
            )
            tracker = await fetch(session, "GET", tracker_url, params=token)
            for action in ("action_validate_slot_mappings", "action_answer_from_knowledge"):
                call = {"next_action": action, "sender_id": sender, "tracker": tracker,
                        "domain": domain, "version": "3.6.21"}  # fmt: skip
                await timed(
                    f"action server: {action}",
                    fetch(session, "POST", action_url, json=call, headers=action_auth),
                )
    lines = [f"\n| step ({rounds} sequential) | p50 ms | p95 ms |\n|---|---|---|"]
    for label, values in timings.items():
        result = Results(latencies_ms=values)
        lines.append(f"| {label} | {result.percentile(50):.0f} | {result.percentile(95):.0f} |")
    return lines


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--no-senders", dest="senders", action="store_const", const=0)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of the senders run")
    parser.add_argument("--think", type=float, default=5.0, help="mean seconds between messages")
    parser.add_argument(
        "--rates",
        type=lambda raw: [float(r) for r in raw.split(",") if r],
        default=[2, 4, 6, 8, 10, 12, 14, 16],
        help="open-loop arrival rates to try, per second, in rising order",
    )
    parser.add_argument("--no-search", dest="rates", action="store_const", const=[])
    parser.add_argument("--step", type=float, default=30.0, help="seconds per rate")
    parser.add_argument("--p95-limit", type=float, default=1.0, help="seconds")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="then time N answers step by step"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the stack, e.g. to try a setting",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        config = StackConfig.private(
            Path(workdir),
            # One client address plays every sender: only the per-address limit is lifted.
            extra_env={
                "RATE_LIMIT_IP_PER_MIN": "0",
                **dict(item.split("=", 1) for item in args.env),
            },
        )
        stack = Stack(config)
        stack.start_all()
        try:
            stack.wait_healthy()
            lines = asyncio.run(measure(stack, args))
            if args.profile:
                lines += asyncio.run(profile(config, args.profile))
        finally:
            stack.stop_all()
            if os.environ.get("LOAD_KEEP_LOGS"):
                for name in PROCESS_NAMES:
                    print(f"--- {name}\n{stack.log_tail(name, 20)}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {os.cpu_count()} cores "
          f"(nproc), {cpu_model()}; Python {platform.python_version()}; "
          f"load average at the end {load} (other work on the machine counts too)")  # fmt: skip
    print("\n".join(lines))


if __name__ == "__main__":
    main()
