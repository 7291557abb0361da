"""The playground's ASGI app (Starlette): the page, its static files, and one WebSocket per tab.

Each WebSocket is one `Session`. While playing, the server trains an epoch and sends a frame, as
fast as the CPU allows up to MAX_FPS; messages from the page are handled between frames. Bounds:
at most `max_sessions` at once, a token bucket on messages, a size cap on each message, and a
session idle (no message) for `idle_seconds` is closed and freed. Errors reach the page as
``{"type": "error"}`` messages; no traceback ever does.
"""

import asyncio
import json
import time
from importlib.resources import files

try:
    from starlette.applications import Starlette
    from starlette.responses import FileResponse
    from starlette.routing import Mount, Route, WebSocketRoute
    from starlette.staticfiles import StaticFiles
    from starlette.websockets import WebSocketDisconnect
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError("the playground needs its extra: pip install 'deepgrad[playground]'") from error

from deepgrad.playground.session import MAX_UPLOAD_BYTES, Session

STATIC = files("deepgrad.playground") / "static"
MAX_FPS = 60
MAX_MESSAGE_BYTES = MAX_UPLOAD_BYTES + 10_000


class RateLimit:
    """A token bucket: `rate` messages a second on average, bursts up to `burst`."""

    def __init__(self, rate, burst):
        self.rate, self.burst, self.tokens, self.last = rate, burst, float(burst), time.monotonic()

    def allow(self):
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


def _decode(text):
    """The message as a dict, or an error reply."""
    if len(text) > MAX_MESSAGE_BYTES:
        return None, {"type": "error", "message": f"message of {len(text)} bytes refused (the "
                      f"limit is {MAX_MESSAGE_BYTES}; uploads at most {MAX_UPLOAD_BYTES})"}
    try:
        return json.loads(text), None
    except ValueError:
        return None, {"type": "error", "message": "malformed message: not JSON"}


class Connection:
    """One tab: its session, the training loop and the message loop."""

    def __init__(self, websocket, app_state):
        self.ws, self.state = websocket, app_state
        self.session = Session()
        self.playing = False
        self.lock = asyncio.Lock()
        self.limit = RateLimit(app_state.message_rate, 2 * app_state.message_rate)

    async def send(self, replies):
        for reply in replies:
            await self.ws.send_text(json.dumps(reply))

    async def run_in_session(self, method, *args):
        """Call a Session method in a worker thread, one at a time per session."""
        async with self.lock:
            return await asyncio.to_thread(method, *args)

    async def train(self):
        while True:
            if self.playing:
                started = time.monotonic()
                frame = await self.run_in_session(self._epoch_frame)
                await self.send([frame])
                await asyncio.sleep(max(0.0, 1 / MAX_FPS - (time.monotonic() - started)))
            else:
                await asyncio.sleep(0.05)

    def _epoch_frame(self):
        self.session.train_epoch()
        return self.session.frame()

    async def handle(self, text):
        if not self.limit.allow():
            return [{"type": "error", "message": "too many messages: at most "
                     f"{self.state.message_rate} a second; this one was ignored"}]
        message, error = _decode(text)
        if error:
            return [error]
        kind = message.get("type") if isinstance(message, dict) else None
        if kind in ("play", "pause"):
            self.playing = kind == "play"
            return [{"type": "playing", "playing": self.playing}]
        return await self.run_in_session(self.session.handle, message)


async def websocket_endpoint(websocket):
    state = websocket.app.state
    await websocket.accept()
    if len(state.connections) >= state.max_sessions:
        await websocket.send_text(json.dumps({"type": "error", "fatal": True, "message":
                                  f"the server already has {state.max_sessions} sessions open "
                                  "(its cap): close another tab and reload"}))
        await websocket.close(code=1013)
        return
    connection = Connection(websocket, state)
    state.connections.add(connection)
    trainer = asyncio.create_task(connection.train())
    try:
        await connection.send([connection.session.state(), connection.session.frame()])
        while True:
            try:
                text = await asyncio.wait_for(websocket.receive_text(), state.idle_seconds)
            except asyncio.TimeoutError:
                await connection.send([{"type": "error", "fatal": True, "message":
                                        f"session closed after {state.idle_seconds:g} s without "
                                        "a message; reload the page to start again"}])
                await websocket.close(code=1000)
                break
            await connection.send(await connection.handle(text))
    except (WebSocketDisconnect, RuntimeError, KeyError):
        pass  # the tab went away (KeyError: a binary frame, which the page never sends)
    except Exception:  # noqa: BLE001 - the page gets a message, not a traceback
        try:
            await connection.send([{"type": "error", "fatal": True,
                                    "message": "internal error; reload the page"}])
        except Exception:  # noqa: BLE001
            pass
    finally:
        trainer.cancel()
        state.connections.discard(connection)


async def index(request):
    return FileResponse(str(STATIC / "index.html"))


def create_app(max_sessions=16, idle_seconds=1800.0, message_rate=30):
    """The Starlette app; the bounds are arguments so tests can make them small."""
    app = Starlette(routes=[Route("/", index), WebSocketRoute("/ws", websocket_endpoint),
                            Mount("/static", StaticFiles(directory=str(STATIC)), name="static")])
    app.state.connections = set()
    app.state.max_sessions = max_sessions
    app.state.idle_seconds = idle_seconds
    app.state.message_rate = message_rate
    return app


def serve(host="127.0.0.1", port=8765, **bounds):
    """Run the app with uvicorn until interrupted."""
    import uvicorn
    uvicorn.run(create_app(**bounds), host=host, port=port, log_level="warning",
                ws_max_size=MAX_MESSAGE_BYTES)
