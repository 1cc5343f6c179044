"""The command line bot/stack.py starts Rasa with, read by Rasa's own argument parser."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from bot.stack import RASA_PYTHON, ROOT, StackConfig

PARSE = """
import json, sys
from rasa.__main__ import create_argument_parser
args = create_argument_parser().parse_args(sys.argv[1:])
print(json.dumps({"auth_token": args.auth_token, "port": args.port}))
"""


@pytest.mark.parametrize("token", ["-starts-with-a-dash", "plain_token-123"])
def test_rasa_reads_the_whole_auth_token(tmp_path: Path, token: str) -> None:
    config = StackConfig.private(tmp_path)
    config.rasa_token = token  # token_urlsafe starts one in 64 tokens with "-"
    command = config.command("rasa")
    assert command[:2] == [str(RASA_PYTHON), str(ROOT / "deploy" / "rasa_server.py")]
    parsed = subprocess.run(
        [str(RASA_PYTHON), "-c", PARSE, *command[2:]],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr[-2000:]
    args = json.loads(parsed.stdout.strip().splitlines()[-1])
    assert args == {"auth_token": token, "port": config.rasa_port}
