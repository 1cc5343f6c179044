"""The command line deploy/stack.py starts Rasa with, read by Rasa's own argument parser: the auth
token reaches Rasa whole, from the environment, and never appears on the command line."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from deploy.stack import RASA_PYTHON, RASA_SERVER, ROOT, StackConfig

# What deploy/rasa_server.py hands to Rasa, parsed by Rasa's own parser.
PARSE = """
import json, os, sys
sys.path.insert(0, "deploy")
from rasa.__main__ import create_argument_parser
from rasa_server import rasa_arguments
argv = rasa_arguments(["rasa", *sys.argv[1:]], dict(os.environ))
args = create_argument_parser().parse_args(argv[1:])
print(json.dumps({"auth_token": args.auth_token, "port": args.port}))
"""


def _parse(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(RASA_PYTHON), "-c", PARSE, *command[2:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "plain_token-123"])
def test_rasa_reads_the_whole_auth_token_from_the_environment(tmp_path: Path, token: str) -> None:
    config = StackConfig.private(tmp_path)
    config.rasa_token = token  # token_urlsafe starts one in 64 tokens with "-"
    command = config.command("rasa")
    assert command[:2] == [str(RASA_PYTHON), str(RASA_SERVER)]
    assert not any(token in argument for argument in command), "`ps` would show the token"
    parsed = _parse(command, config.environment())
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    args = json.loads(parsed.stdout.strip().splitlines()[-1])
    assert args == {"auth_token": token, "port": config.rasa_port}


def test_rasa_does_not_start_without_a_token(tmp_path: Path) -> None:
    config = StackConfig.private(tmp_path)
    env = config.environment()
    del env["RASA_TOKEN"]
    parsed = _parse(config.command("rasa"), env)
    assert parsed.returncode != 0
    assert "RASA_TOKEN is not set" in parsed.stderr
