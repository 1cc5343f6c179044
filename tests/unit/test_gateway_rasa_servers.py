"""Several Rasa servers in RASA_URL: parsed in order, tried in turn, each reported by /health.

Like the other gateway unit tests these use real network conditions only (a port nothing listens
on, a socket that never answers). That the servers really share one conversation is proven
against real Rasa servers in tests/integration/test_scale_out.py.
"""

from __future__ import annotations

import aiohttp
import pytest
from yarl import URL

from bot.config import ConfigError, Settings
from bot.rasa_client import RasaClient, UpstreamNotConnected, UpstreamTimeout
from deploy.stack import free_port

from .test_gateway_support import running_gateway, silent_port

JSON = {"Content-Type": "application/json"}
CHAT = b'{"sender": "scale", "message": "halo", "lang": "id"}'


def test_a_comma_separated_rasa_url_is_a_list_of_servers_in_order() -> None:
    settings = Settings.from_env({"RASA_URL": " http://rasa-b:5005/ , http://rasa-a:5005,"})
    assert settings.rasa_urls == (URL("http://rasa-b:5005"), URL("http://rasa-a:5005"))
    assert settings.rasa_url == URL("http://rasa-b:5005")


def test_one_rasa_url_is_a_list_of_one() -> None:
    assert Settings.from_env({}).rasa_urls == (URL("http://127.0.0.1:5005"),)


@pytest.mark.parametrize(
    "raw",
    ["http://a:5005,http://a:5005/", "http://a:5005,b:5005", ",", "http://a:5005,ftp://b"],
)
def test_a_bad_rasa_url_list_is_refused(raw: str) -> None:
    with pytest.raises(ConfigError, match="RASA_URL"):
        Settings.from_env({"RASA_URL": raw})


def _refused() -> str:
    return f"http://127.0.0.1:{free_port()}"


async def test_a_server_that_refuses_is_skipped_for_the_next_one() -> None:
    # The second server accepts and never answers: reaching it turns "refused" into "timeout".
    with silent_port() as port:
        urls = [URL(_refused()), URL(f"http://127.0.0.1:{port}")]
        async with aiohttp.ClientSession() as session:
            client = RasaClient(session, urls, URL(_refused()), None, 0.3, 0.3)
            # Two turns: one starts at the refusing server, the other at the silent one.
            for _ in range(2):
                with pytest.raises(UpstreamTimeout):
                    await client.send("api:scale", "halo", {})


async def test_all_servers_refusing_is_not_connected_naming_how_many() -> None:
    async with aiohttp.ClientSession() as session:
        down = [URL(_refused()), URL(_refused())]
        client = RasaClient(session, down, URL(_refused()), None, 1, 1)
        with pytest.raises(UpstreamNotConnected, match="none of the 2 servers"):
            await client.send("api:scale", "halo", {})


async def test_chat_with_every_server_down_is_a_503_apology() -> None:
    async with running_gateway(RASA_URL=f"{_refused()},{_refused()}") as gateway:
        response = await gateway.post("/api/chat", data=CHAT, headers=JSON)
        assert response.status == 503
        body = await response.json()
    assert body["error"]["code"] == "upstream_unavailable"
    assert "Mohon maaf" in body["messages"][0]["text"]


async def test_health_reports_each_rasa_server() -> None:
    with silent_port() as port:
        env = {
            "RASA_URL": f"{_refused()},http://127.0.0.1:{port}",
            "HEALTH_TIMEOUT_SECONDS": "0.3",
            "DUTA_ADMIN_TOKEN": "staff-token-for-tests",
        }
        async with running_gateway(**env) as gateway:
            # Staff see each server; the public answer says only whether Rasa is ready.
            headers = {"Authorization": "Bearer staff-token-for-tests"}
            response = await gateway.get("/health", headers=headers)
            assert response.status == 503
            body = await response.json()
    rasa = body["rasa"]
    assert rasa["ready"] is False and rasa["error"] == "no Rasa server ready"
    assert [server["server"] for server in rasa["servers"]] == [1, 2]
    assert "not reachable" in rasa["servers"][0]["error"]
    assert rasa["servers"][1]["error"] == "no answer within 0.3 s"
