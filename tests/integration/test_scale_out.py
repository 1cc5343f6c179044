"""Scale-out by configuration only: two Rasa servers share PostgreSQL and Redis behind one gateway.

This module starts its own stack, apart from the session one: Debian's postgresql and
redis-server on loopback in a temporary folder, two real Rasa servers with
deploy/endpoints.scale-out.yml, one action server and a gateway with both Rasa servers in
RASA_URL. One conversation alternates between the two servers and keeps its form, its language
and the order of its events; with one server killed, the other carries on. Everything it
started is stopped at the end, also when a test fails.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from actions.texts import say
from deploy.stack import APP_PYTHON, ROOT, Stack, StackConfig, free_port

from .conftest import RunningStack
from .extra_gateway import extra_gateway

pytestmark = pytest.mark.integration

# Two Rasa servers load their model at once: about 3 minutes on 2 idle cores, more when busy.
START_TIMEOUT_SECONDS = 900.0
VISA_QUESTIONS = ("visa_direction", "visa_purpose", "visa_nationality")
# The visa form's buttons, typed as their payloads: no NLU guesswork in a test about state.
VISA_TURNS = (
    "/ask_visa",
    '/inform{"visa_direction": "to_indonesia"}',
    '/inform{"visa_purpose": "tourism"}',
    '/inform{"visa_nationality": "asean"}',
)


@dataclasses.dataclass
class Service:
    """A server process started by this module, in its own process group."""

    name: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 15.0) -> None:
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _spawn(name: str, command: list[str], log: Path, **options: Any) -> Service:
    with log.open("ab") as out:
        process = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            **options,
        )
    return Service(name, process, log)


def _postgres_bin() -> Path:
    """Debian keeps PostgreSQL's server programs out of PATH, under its major version."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parts[-3])
    )
    if not found or not shutil.which("redis-server"):
        pytest.fail("needs Debian's postgresql and redis-server: run `make setup` (as root)")
    return found[-1].parent


def _unprivileged_user() -> dict[str, Any]:
    """PostgreSQL refuses to run as root: as root, run it as `postgres` (or `nobody`)."""
    if os.geteuid() != 0:
        return {}
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    pytest.fail("running as root and there is no `postgres` or `nobody` user for PostgreSQL")


@dataclasses.dataclass
class Postgres:
    bin_dir: Path
    port: int
    password: str
    service: Service

    def psql(self, sql: str, database: str = "duta") -> str:
        result = subprocess.run(
            [str(self.bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "duta",
             "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            env=os.environ | {"PGPASSWORD": self.password, "PGCONNECT_TIMEOUT": "5"},
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(result.stderr.strip())
        return result.stdout.strip()


def _start_postgres(workdir: Path, cleanup: contextlib.ExitStack) -> Postgres:
    bin_dir = _postgres_bin()
    as_user = _unprivileged_user()
    # Its own folder outside pytest's (which only root may enter), owned by the server's user.
    home = Path(tempfile.mkdtemp(prefix="duta-pg-"))
    cleanup.callback(shutil.rmtree, home, ignore_errors=True)
    password = secrets.token_urlsafe(16)
    (home / "pwfile").write_text(password)
    if as_user:
        for path in (home, home / "pwfile"):
            os.chown(path, as_user["user"], as_user["group"])
    log = workdir / "postgres.log"
    subprocess.run(
        [str(bin_dir / "initdb"), "-D", str(home / "data"), "-U", "duta",
         f"--pwfile={home / 'pwfile'}", "--auth=scram-sha-256", "--encoding=UTF8",
         "--locale=C", "--no-sync"],
        stdout=log.open("ab"), stderr=subprocess.STDOUT, check=True, timeout=120, **as_user,
    )  # fmt: skip
    port = free_port()
    service = _spawn(
        "postgres",
        [str(bin_dir / "postgres"), "-D", str(home / "data"), "-p", str(port),
         "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={home}",
         "-c", "fsync=off"],
        log, **as_user,
    )  # fmt: skip
    # SIGINT is PostgreSQL's "fast" shutdown: it does not wait for its clients to leave.
    cleanup.callback(service.stop, signal.SIGINT)
    postgres = Postgres(bin_dir, port, password, service)
    deadline = time.monotonic() + 60
    while True:
        try:
            postgres.psql("CREATE DATABASE duta", database="postgres")
            return postgres
        except RuntimeError:
            if time.monotonic() > deadline or service.process.poll() is not None:
                raise
            time.sleep(0.5)


@dataclasses.dataclass
class Redis:
    port: int
    password: str
    service: Service

    def command(self, *args: str) -> str:
        result = subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", str(self.port), "--no-auth-warning",
             "-a", self.password, *args],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
        return result.stdout


def _start_redis(workdir: Path, cleanup: contextlib.ExitStack) -> Redis:
    port, password = free_port(), secrets.token_urlsafe(16)
    service = _spawn(
        "redis",
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--requirepass", password,
         "--save", "", "--appendonly", "no", "--dir", str(workdir)],
        workdir / "redis.log",
    )  # fmt: skip
    cleanup.callback(service.stop)
    redis = Redis(port, password, service)
    deadline = time.monotonic() + 30
    while "PONG" not in redis.command("PING"):
        if time.monotonic() > deadline or service.process.poll() is not None:
            raise RuntimeError(f"redis did not start; see {service.log}")
        time.sleep(0.2)
    return redis


@dataclasses.dataclass
class ScaleOut:
    postgres: Postgres
    redis: Redis
    main: Stack  # first Rasa server, action server
    second: Stack  # second Rasa server
    gateway: Stack

    @property
    def rasa_urls(self) -> tuple[str, str]:
        return (self.main.config.rasa_url, self.second.config.rasa_url)

    def webhook(self, server: int, sender: str, message: str) -> list[dict[str, Any]]:
        """One message straight to one Rasa server's gateway channel, as the gateway sends it."""
        payload = {"sender": sender, "message": message, "metadata": {"channel": "api"}}
        url = f"{self.rasa_urls[server]}/webhooks/duta/webhook"
        return _http_json(url, payload, self.main.config.rasa_token)

    def tracker(self, server: int, sender: str) -> dict[str, Any]:
        token = self.main.config.rasa_token
        return _http_json(f"{self.rasa_urls[server]}/conversations/{sender}/tracker?token={token}")

    def chat(self, sender: str, message: str) -> tuple[int, dict[str, Any]]:
        payload = {"sender": sender, "message": message, "lang": None}
        try:
            return 200, _http_json(f"{self.gateway.config.gateway_url}/api/chat", payload)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            # With the staff token: the public answer names no servers.
            url = f"{self.gateway.config.gateway_url}/health"
            return 200, _http_json(url, token=self.gateway.config.extra_env["DUTA_ADMIN_TOKEN"])
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def gateway_log(self) -> list[dict[str, Any]]:
        path = self.gateway.config.log_dir / "gateway.log"
        lines = path.read_text(errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]

    def wait_until_both_rasa_servers_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        last: object = "no answer yet"
        while time.monotonic() < deadline:
            exited = [stack.exited() for stack in (self.main, self.second, self.gateway)]
            if dead := {name: code for codes in exited for name, code in codes.items()}:
                raise RuntimeError(f"exited during start-up: {dead}; logs in {self.logs()}")
            with contextlib.suppress(urllib.error.URLError, ConnectionError, TimeoutError):
                status, body = self.health()
                last = body
                servers = body.get("rasa", {}).get("servers", [])
                if status == 200 and len(servers) == 2 and all(s["ready"] for s in servers):
                    return
            time.sleep(2.0)
        raise TimeoutError(f"not ready after {START_TIMEOUT_SECONDS:.0f} s: {last}; {self.logs()}")

    def logs(self) -> str:
        return f"{self.main.config.log_dir} and {self.second.config.log_dir}"


def _http_json(url: str, payload: object = None, token: str | None = None) -> Any:
    data = None if payload is None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=90) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def scale_out(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleOut]:
    workdir = tmp_path_factory.mktemp("scale-out")
    # Stops, in reverse order, whatever was started: Rasa before PostgreSQL and Redis.
    with contextlib.ExitStack() as cleanup:
        postgres = _start_postgres(workdir, cleanup)
        redis = _start_redis(workdir, cleanup)
        first_port, second_port = free_port(), free_port()
        config = StackConfig(
            rasa_port=first_port,
            action_port=free_port(),
            gateway_port=free_port(),
            tracker_db=workdir / "unused-sqlite.db",  # the scale-out endpoints do not read it
            log_dir=workdir / "log",
            rasa_endpoints="deploy/endpoints.scale-out.yml",
            extra_env={
                "RASA_URL": f"http://127.0.0.1:{first_port},http://127.0.0.1:{second_port}",
                "DUTA_POSTGRES_HOST": "127.0.0.1",
                "DUTA_POSTGRES_PORT": str(postgres.port),
                "DUTA_POSTGRES_DB": "duta",
                "DUTA_POSTGRES_USER": "duta",
                "DUTA_POSTGRES_PASSWORD": postgres.password,
                "DUTA_REDIS_HOST": "127.0.0.1",
                "DUTA_REDIS_PORT": str(redis.port),
                "DUTA_REDIS_PASSWORD": redis.password,
                "DUTA_ADMIN_TOKEN": secrets.token_urlsafe(16),
                "RATE_LIMIT_SENDER_PER_MIN": "0",
            },
        )
        # Same token and settings; only the port and the log folder differ.
        second_config = dataclasses.replace(
            config, rasa_port=second_port, log_dir=workdir / "log-rasa-2"
        )
        # The gateway logs which Rasa server answered each request, at DEBUG (Rasa and the action
        # server read LOG_LEVEL too, hence a config of its own).
        gateway_config = dataclasses.replace(
            config, extra_env=config.extra_env | {"LOG_LEVEL": "DEBUG"}
        )
        main, second, gateway = Stack(config), Stack(second_config), Stack(gateway_config)
        for stack in (main, second, gateway):
            cleanup.callback(stack.stop_all)
        main.start("rasa")
        second.start("rasa")
        main.start("action_server")
        gateway.start("gateway")
        cluster = ScaleOut(postgres, redis, main, second, gateway)
        cluster.wait_until_both_rasa_servers_ready()
        yield cluster


def _buttons(messages: list[dict[str, Any]]) -> list[str]:
    return [button["payload"] for m in messages for button in m.get("buttons") or []]


def _asked(messages: list[dict[str, Any]]) -> str | None:
    """Which visa question the answer's buttons belong to, if any."""
    payloads = " ".join(_buttons(messages))
    return next((slot for slot in VISA_QUESTIONS if f'"{slot}"' in payloads), None)


def _user_texts(tracker: dict[str, Any]) -> list[str]:
    return [event["text"] for event in tracker["events"] if event["event"] == "user"]


def test_one_conversation_alternating_between_servers_keeps_its_state_and_order(
    scale_out: ScaleOut,
) -> None:
    sender = f"api:scale-{uuid.uuid4().hex[:8]}"
    said = ["hello", *VISA_TURNS]
    # Turn i goes to server i % 2: every answer depends on what the other server did before.
    answers = [scale_out.webhook(turn % 2, sender, message) for turn, message in enumerate(said)]

    texts = [" ".join(m.get("text") or "" for m in answer) for answer in answers]
    assert "Hello" in texts[0], texts[0]  # English, from the message; payloads carry no language
    # Each server asks the question that follows the answer the other server received, in the
    # language the first server set.
    assert [_asked(a) for a in answers[1:]] == [*VISA_QUESTIONS, None]
    expected = ["ask_visa_direction", "ask_visa_purpose", "ask_visa_nationality",
                "visa_intro_tourism_asean"]  # fmt: skip
    for text, key in zip(texts[1:], expected, strict=True):
        assert say(key, "en") in text, (key, text)

    trackers = [scale_out.tracker(server, sender) for server in (0, 1)]
    assert trackers[0]["events"] == trackers[1]["events"]  # one conversation, not two
    assert _user_texts(trackers[0]) == said  # every turn, in the order sent
    stamps = [event["timestamp"] for event in trackers[0]["events"]]
    assert stamps == sorted(stamps)
    slots = trackers[1]["slots"]
    assert slots["language"] == "en"
    # The form's answers were stored by both servers in turn and read back together.
    events = trackers[0]["events"]
    filled = {e["name"]: e["value"] for e in events if e["event"] == "slot" and e.get("value")}
    assert filled["visa_direction"] == "to_indonesia" and filled["visa_purpose"] == "tourism"
    assert filled["visa_nationality"] == "asean"

    # Stored in PostgreSQL (not a local file), and the locks went through Redis.
    stored = scale_out.postgres.psql(f"SELECT count(*) FROM events WHERE sender_id = '{sender}'")
    assert int(stored) == len(events)
    assert "cmdstat_set:calls=" in scale_out.redis.command("INFO", "commandstats")


def test_forget_and_purge_erase_conversations_in_postgresql(scale_out: ScaleOut) -> None:
    """The privacy erasures work on the shared store too, whichever server does them."""
    forgotten, old, recent = (f"priv-{uuid.uuid4().hex[:8]}" for _ in range(3))
    for user in (forgotten, old, recent):
        assert scale_out.chat(user, "hello")[0] == 200

    def rows(user: str) -> int:
        sql = f"SELECT count(*) FROM events WHERE sender_id = 'api:{user}'"
        return int(scale_out.postgres.psql(sql))

    assert rows(forgotten) > 0
    url = f"{scale_out.gateway.config.gateway_url}/api/forget"
    assert _http_json(url, {"sender": forgotten}) == {"forgotten": True}
    assert rows(forgotten) == 0 and rows(old) > 0

    scale_out.postgres.psql(
        f"UPDATE events SET timestamp = timestamp - 100 * 86400 WHERE sender_id = 'api:{old}'"
    )
    env = os.environ | {
        "RASA_URL": ",".join(scale_out.rasa_urls),
        "RASA_TOKEN": scale_out.main.config.rasa_token,
    }
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "bot.privacy", "purge", "--days", "90"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert rows(old) == 0 and rows(recent) > 0


def test_two_gateways_share_one_rate_limit_through_redis(
    scale_out: ScaleOut, tmp_path: Path
) -> None:
    """Behind a load balancer a sender's messages land on any gateway: with RATE_LIMIT_REDIS_URL
    they all count against one budget (in memory, each gateway would allow its own 3)."""
    redis_url = f"redis://:{scale_out.redis.password}@127.0.0.1:{scale_out.redis.port}/2"
    limits = {
        "RATE_LIMIT_REDIS_URL": redis_url,
        "RATE_LIMIT_SENDER_PER_MIN": "3",
        "RATE_LIMIT_IP_PER_MIN": "0",
    }
    sender, other = f"shared-{uuid.uuid4().hex[:8]}", f"other-{uuid.uuid4().hex[:8]}"
    # Two more gateways in front of the cluster's Rasa servers, the cluster's settings and these.
    env = scale_out.gateway.config.extra_env | limits
    cluster = RunningStack(scale_out.gateway)
    with (
        extra_gateway(cluster, tmp_path / "gateway-1", **env) as first,
        extra_gateway(cluster, tmp_path / "gateway-2", **env) as second,
    ):
        answered = [
            gw.chat(sender, f"hello {n}").status for n, gw in enumerate((first, second, first))
        ]
        refused = second.chat(sender, "hello again", lang="en")
        assert answered == [200, 200, 200]
        assert refused.status == 429, refused.body
        assert refused.body["error"]["code"] == "rate_limited"
        assert first.chat(other, "hello").status == 200  # a budget per sender
    assert scale_out.redis.password not in "".join(
        path.read_text(errors="replace") for path in tmp_path.rglob("*.log")
    ), "the Redis password is never logged"


def test_the_gateway_spreads_turns_over_both_servers_and_survives_one_going_down(
    scale_out: ScaleOut,
) -> None:
    user = f"gw-{uuid.uuid4().hex[:8]}"
    logged_before = len(scale_out.gateway_log())
    replies = [scale_out.chat(user, message) for message in ("hello", *VISA_TURNS[:2])]
    assert [status for status, _ in replies] == [200, 200, 200]
    assert all(body["language"] == "en" for _, body in replies)
    assert "visa_purpose" in json.dumps(replies[-1][1])  # the form went on across servers

    answered = [
        entry["server"]
        for entry in scale_out.gateway_log()[logged_before:]
        if entry["msg"] == "rasa answered" and entry.get("endpoint") == "webhook"
    ]
    assert sorted(answered[:2]) == [1, 2] and answered in ([1, 2, 1], [2, 1, 2]), answered

    # Server 1 crashes: the conversation goes on with server 2, nothing lost, no error. Of the
    # next two turns one is first sent to server 1, refused, and sent on to server 2.
    logged_before = len(scale_out.gateway_log())
    scale_out.main.kill("rasa")
    status, body = scale_out.chat(user, VISA_TURNS[2])
    assert status == 200, body
    assert "visa_nationality" in json.dumps(body)
    status, body = scale_out.chat(user, VISA_TURNS[3])
    assert status == 200 and body["language"] == "en", body
    assert say("visa_intro_tourism_asean", "en") in json.dumps(body, ensure_ascii=False)
    skipped = [
        (entry["server"], entry["endpoint"])
        for entry in scale_out.gateway_log()[logged_before:]
        if entry["msg"] == "rasa server not reachable, trying the next"
    ]
    assert (1, "webhook") in skipped and {server for server, _ in skipped} == {1}, skipped

    tracker = scale_out.tracker(1, f"api:{user}")
    assert _user_texts(tracker) == ["hello", *VISA_TURNS]
    status, health = scale_out.health()
    assert status == 200, health  # still serving: one Rasa server is enough
    assert [s["ready"] for s in health["rasa"]["servers"]] == [False, True]
    assert "not reachable" in health["rasa"]["servers"][0]["error"]
