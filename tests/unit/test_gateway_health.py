"""GET /health says 503 and names what is not ready when Rasa and the action server are down."""

from __future__ import annotations

from bot.health import summarize_manifest

from .test_gateway_support import running_gateway, silent_port

ADMIN = {"Authorization": "Bearer staff-token-for-tests"}


async def test_nothing_listening_is_503_naming_every_component() -> None:
    async with running_gateway(DUTA_ADMIN_TOKEN="staff-token-for-tests") as client:
        response = await client.get("/health", headers=ADMIN)
        assert response.status == 503
        body = await response.json()
    assert body["status"] == "unavailable"
    assert body["not_ready"] == ["rasa", "action_server", "index"]
    for name in body["not_ready"]:
        assert body[name]["ready"] is False
        assert "not reachable" in body[name]["error"]


async def test_the_public_answer_names_components_but_no_details() -> None:
    async with running_gateway(DUTA_ADMIN_TOKEN="staff-token-for-tests") as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}):
            response = await client.get("/health", headers=headers)
            body = await response.json()
            assert response.status == 503
            assert body["not_ready"] == ["rasa", "action_server", "index"]
            for name in body["not_ready"]:
                assert body[name] == {"ready": False}
            assert "127.0.0.1" not in await response.text()


async def test_a_hung_service_is_reported_after_the_health_timeout() -> None:
    with silent_port() as port:
        env = {"ACTION_SERVER_URL": f"http://127.0.0.1:{port}", "HEALTH_TIMEOUT_SECONDS": "0.3"}
        async with running_gateway(DUTA_ADMIN_TOKEN="staff-token-for-tests", **env) as client:
            body = await (await client.get("/health", headers=ADMIN)).json()
    assert body["not_ready"] == ["rasa", "action_server", "index"]
    assert "not reachable" in body["rasa"]["error"]
    assert body["action_server"]["error"] == "no answer within 0.3 s"


def test_manifest_summary_keeps_scalars_and_counts_lists() -> None:
    manifest = {
        "version": "20261121-2300",
        "documents": 5,
        "chunks": [{"id": i} for i in range(40)],
        "embedder": {"name": "multilingual-e5-small", "dim": 384, "files": ["a", "b"]},
        "built_at": "2026-11-21T23:00:00Z",
        "fused": True,
    }
    assert summarize_manifest(manifest) == {
        "version": "20261121-2300",
        "documents": 5,
        "chunks": 40,
        "embedder": {"name": "multilingual-e5-small", "dim": 384, "files": 2},
        "built_at": "2026-11-21T23:00:00Z",
        "fused": True,
    }
