"""The playground's server over a real WebSocket (no browser): one session per connection, the
session cap, the message-rate cap, idle sessions closed, malformed frames answered."""

import asyncio
import json

import pytest

websockets = pytest.importorskip("websockets")


@pytest.fixture()
def serve():
    """Start create_app(**bounds) on a free loopback port; yields its ws URL; stops it after."""
    import threading
    import time

    import uvicorn

    from deepgrad.playground.server import create_app
    from tests.playground.conftest import _free_port
    servers = []

    def start(**bounds):
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(create_app(**bounds), host="127.0.0.1", port=port,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        servers.append((server, thread))
        return f"ws://127.0.0.1:{port}/ws"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


async def _first_two(ws):
    return [json.loads(await ws.recv())["type"] for _ in range(2)]


def test_caps_on_sessions_messages_and_idle_time(serve):
    url = serve(max_sessions=2, idle_seconds=1.0, message_rate=5)

    async def scenario():
        async with websockets.connect(url) as a, websockets.connect(url) as b:
            assert await _first_two(a) == ["state", "frame"] == await _first_two(b)
            async with websockets.connect(url) as c:
                refused = json.loads(await c.recv())
                assert refused["fatal"] and "2 sessions open" in refused["message"]
            await a.send("{not json")
            assert "not JSON" in json.loads(await a.recv())["message"]
            for _ in range(30):
                await a.send(json.dumps({"type": "launch"}))
            replies = [json.loads(await a.recv())["message"] for _ in range(30)]
            assert any("too many messages" in r for r in replies)
            closed = json.loads(await asyncio.wait_for(b.recv(), 5))  # b sent nothing: idle
            assert closed["fatal"] and "without a message" in closed["message"]

    asyncio.run(scenario())
