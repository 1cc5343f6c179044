"""Start, watch and stop Duta's three processes: Rasa server, action server, gateway.

`python -m deploy.stack run` is what `make run` calls; the integration tests use `Stack` directly
with their own ports, tracker file and log folder so they never touch a running `make run`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bot.config import PRIVATE_UMASK

ROOT = Path(__file__).resolve().parents[1]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
# `rasa run` with a cached action-response validator (the file says why).
RASA_SERVER = ROOT / "deploy" / "rasa_server.py"
PROCESS_NAMES = ("action_server", "rasa", "gateway")


@dataclass
class StackConfig:
    rasa_port: int = 5005
    action_port: int = 5055
    gateway_port: int = 8080
    tracker_db: Path = ROOT / "var" / "tracker.db"
    log_dir: Path = ROOT / "var" / "log"
    models_dir: Path = ROOT / "models"
    # Rasa's endpoints file (relative to the repository): SQLite and in-memory locks by default;
    # deploy/endpoints.scale-out.yml for PostgreSQL and Redis (docs/deploy.md).
    rasa_endpoints: str = "endpoints.yml"
    # Rasa's HTTP API and channel, and the action server, answer only to these tokens. They reach
    # the processes by the environment, never by the command line (`ps` shows it to everyone).
    rasa_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    action_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def private(cls, workdir: Path, extra_env: dict[str, str] | None = None) -> StackConfig:
        """A stack of its own on free ports, with its tracker and logs in `workdir` (tests and
        benchmarks), so it never touches a running `make run`."""
        return cls(
            rasa_port=free_port(),
            action_port=free_port(),
            gateway_port=free_port(),
            tracker_db=Path(workdir) / "tracker.db",
            log_dir=Path(workdir) / "log",
            extra_env=dict(extra_env or {}),
        )

    @classmethod
    def from_env(cls) -> StackConfig:
        # An empty value counts as unset, as for the gateway's own settings.
        env = {key: value for key, value in os.environ.items() if value.strip()}
        config = cls(
            rasa_port=int(env.get("RASA_PORT", 5005)),
            action_port=int(env.get("ACTION_SERVER_PORT", 5055)),
            gateway_port=int(env.get("GATEWAY_PORT", 8080)),
            tracker_db=Path(env.get("DUTA_TRACKER_DB", ROOT / "var" / "tracker.db")).resolve(),
            log_dir=Path(env.get("DUTA_LOG_DIR", ROOT / "var" / "log")).resolve(),
            rasa_endpoints=env.get("DUTA_RASA_ENDPOINTS", "endpoints.yml"),
        )
        if env.get("RASA_TOKEN"):
            config.rasa_token = env["RASA_TOKEN"]
        if env.get("ACTION_SERVER_TOKEN"):
            config.action_token = env["ACTION_SERVER_TOKEN"]
        if not env.get("DUTA_ADMIN_TOKEN"):
            # Without one the action server refuses every reload, and what staff publish in the
            # console (docs/console.md) would not reach the running assistant. A token of its
            # own per run, known only to the three processes; set it in .env to also reload
            # from a shell (`make retrain`).
            config.extra_env["DUTA_ADMIN_TOKEN"] = secrets.token_urlsafe(24)
        return config

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def environment(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            RASA_TELEMETRY_ENABLED="false",
            RASA_PORT=str(self.rasa_port),
            RASA_URL=self.rasa_url,
            RASA_TOKEN=self.rasa_token,
            ACTION_SERVER_TOKEN=self.action_token,
            ACTION_SERVER_PORT=str(self.action_port),
            ACTION_SERVER_URL=f"http://127.0.0.1:{self.action_port}",
            ACTION_ENDPOINT_URL=f"http://127.0.0.1:{self.action_port}/webhook",
            GATEWAY_PORT=str(self.gateway_port),
            DUTA_TRACKER_DB=str(self.tracker_db),
            # Beside the conversations: a private stack keeps its users' feedback to itself.
            DUTA_FEEDBACK_FILE=str(self.tracker_db.parent / "feedback.jsonl"),
            PYTHONUNBUFFERED="1",
        )
        # The staff console's accounts and queue (admin/console): beside the conversations too,
        # unless set (`python -m admin users add` must reach the same file).
        env.setdefault("DUTA_CONSOLE_DB", str(self.tracker_db.parent / "console.db"))
        env.update(self.extra_env)
        return env

    def command(self, name: str) -> list[str]:
        if name == "rasa":
            return [
                # The auth token comes from $RASA_TOKEN (deploy/rasa_server.py).
                str(RASA_PYTHON), str(RASA_SERVER), "run", "--enable-api",
                "--interface", "127.0.0.1", "--port", str(self.rasa_port),
                "--endpoints", self.rasa_endpoints, "--credentials", "credentials.yml",
                "--model", str(self.models_dir),
            ]  # fmt: skip
        if name == "action_server":
            return [str(APP_PYTHON), "-m", "actions"]
        if name == "gateway":
            return [str(APP_PYTHON), "-m", "bot"]
        raise ValueError(f"unknown process {name!r}")


class Stack:
    """The three processes, each in its own process group so a stop leaves no orphans."""

    def __init__(self, config: StackConfig) -> None:
        self.config = config
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str) -> None:
        # Logs and the tracker database hold conversations: readable by their owner only. The
        # children inherit the mask, so what they create (tracker.db) is private too.
        os.umask(PRIVATE_UMASK)
        self.config.log_dir.mkdir(parents=True, exist_ok=True)
        self.config.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        log_path = self.config.log_dir / f"{name}.log"
        log = open(log_path, "ab")  # noqa: SIM115 - owned by the child
        make_private(log_path, self.config.tracker_db)
        self.processes[name] = subprocess.Popen(
            self.config.command(name),
            cwd=ROOT,
            env=self.config.environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()

    def start_all(self) -> None:
        for name in PROCESS_NAMES:
            self.start(name)

    def stop(self, name: str, timeout: float = 15.0) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait()

    def kill(self, name: str) -> None:
        """Kill without a chance to clean up, as a crash would."""
        process = self.processes.pop(name)
        _signal_group(process, signal.SIGKILL)
        process.wait()

    def stop_all(self) -> None:
        for name in reversed(PROCESS_NAMES):
            self.stop(name)

    def exited(self) -> dict[str, int]:
        return {name: code for name, p in self.processes.items() if (code := p.poll()) is not None}

    def wait_healthy(self, timeout: float | None = None) -> dict[str, object]:
        """Poll the gateway's /health until it answers 200; fail early if a process died.

        Default: DUTA_START_TIMEOUT_SECONDS or 300 s; a busy machine may need longer for Rasa.
        """
        if timeout is None:
            timeout = float(os.environ.get("DUTA_START_TIMEOUT_SECONDS") or 300.0)
        deadline = time.monotonic() + timeout
        last = "no answer yet"
        while time.monotonic() < deadline:
            if dead := self.exited():
                raise RuntimeError(f"process exited during start-up: {dead}; {self.log_hint()}")
            try:
                with urllib.request.urlopen(f"{self.config.gateway_url}/health", timeout=5) as r:
                    return json.loads(r.read())
            except urllib.error.HTTPError as error:
                last = error.read().decode(errors="replace")
            except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
                last = str(error)
            time.sleep(1.0)
        raise TimeoutError(f"stack not healthy after {timeout:.0f} s: {last}; {self.log_hint()}")

    def log_hint(self) -> str:
        return f"logs in {self.config.log_dir}"

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.config.log_dir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def write_stack_file(config: StackConfig) -> Path:
    """Where the stack is and its per-run tokens, for `make retrain` and `faq add --retrain`
    from another shell (admin.stack_client reads it when its environment lacks them).
    Owner-only from the first byte, replaced atomically; removed when the stack stops."""
    from admin.stack_client import STACK_FILE_KEYS, stack_file

    env = config.environment()
    path = stack_file(env)
    lines = [f"{key}={env[key]}" for key in STACK_FILE_KEYS if env.get(key)]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# written by `make run` (deploy/stack.py); removed when it stops\n")
        handle.write("\n".join(lines) + "\n")
    os.replace(tmp, path)
    return path


def free_port() -> int:
    """A port nothing listens on now, for a stack that must not clash with another."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_private(*paths: Path) -> None:
    """Owner-only modes on files an older version (or another umask) left readable to others."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(0o600)


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)


def run() -> int:
    config = StackConfig.from_env()
    stack = Stack(config)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    print(f"Starting Rasa, the action server and the gateway (logs in {config.log_dir}) ...")
    started = time.monotonic()
    stack.start_all()
    try:
        stack.wait_healthy()
    except (RuntimeError, TimeoutError) as error:
        print(f"Duta did not start: {error}", file=sys.stderr)
        for name in PROCESS_NAMES:
            print(f"--- {name} (last lines)\n{stack.log_tail(name)}", file=sys.stderr)
        stack.stop_all()
        return 1
    except KeyboardInterrupt:
        stack.stop_all()
        return 130
    wired = write_stack_file(config)
    url = config.gateway_url
    print(
        f"\nDuta is ready after {time.monotonic() - started:.0f} s.\n"
        f"  Health:  {url}/health\n"
        f"  Widget:  {url}/demo (an example embassy page with the chat widget)\n"
        f"  Console: {url}/admin/ (staff; accounts: docs/console.md)\n"
        f"  Reload:  `make retrain` from another shell reaches this stack ({wired})\n"
        f"  Chat:    curl -s {url}/api/chat -H 'Content-Type: application/json' "
        f"""-d '{{"sender": "me", "message": "halo", "lang": null}}'\n"""
        f"Press Ctrl-C to stop.",
        flush=True,
    )
    restarts = dict.fromkeys(PROCESS_NAMES, 0)
    while not stopping:
        time.sleep(0.5)
        for name, code in stack.exited().items():
            # A crashed process comes back on its own, a few times, so one bad request at
            # night does not take the assistant down until someone notices.
            if restarts[name] >= 5:
                print(f"{name} keeps exiting (code {code}); stopping Duta.", file=sys.stderr)
                stopping = True
                break
            restarts[name] += 1
            print(f"{name} exited with code {code}; restarting ({stack.log_hint()})", flush=True)
            stack.start(name)
    print("Stopping Duta ...", flush=True)
    wired.unlink(missing_ok=True)
    stack.stop_all()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    return run()


if __name__ == "__main__":
    sys.exit(main())
