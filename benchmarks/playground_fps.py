"""Heatmap updates per second of the playground on its default network (issue 18: at least 20).

    .venv/bin/python -m benchmarks.playground_fps            # 10 s over a real WebSocket
    .venv/bin/python -m benchmarks.playground_fps --seconds 3

Default network: circle, features x1 x2, hidden 4-2, tanh, SGD lr 0.03, batch 10, 250 training
points (TensorFlow Playground's defaults). One update = one training epoch (25 minibatch steps)
plus the 50x50 output heatmap, 25x25 thumbnails of every neuron, the weights and the losses.
Measures (a) the frames a WebSocket client receives while the server plays (end to end: JSON,
the socket, the worker thread), and (b) the same work in-process (Session.train_epoch + frame),
and the frame alone. The server lets at most 60 frames a second through (MAX_FPS). One BLAS
thread. Never asserted anywhere.
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import asyncio
import json
import socket
import threading
import time


def websocket_rate(seconds):
    """Frames per second received over a WebSocket from a playing server on loopback."""
    import uvicorn
    import websockets

    from deepgrad.playground.server import create_app
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)

    async def count():
        async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
            await ws.recv(), await ws.recv()
            await ws.send(json.dumps({"type": "play"}))
            frames, size, start = 0, 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                message = await ws.recv()
                if json.loads(message)["type"] == "frame":
                    frames, size = frames + 1, len(message)
            return frames / (time.perf_counter() - start), size

    try:
        return asyncio.run(count())
    finally:
        server.should_exit = True
        thread.join(10)


def in_process_rates(seconds):
    """(epoch + frame per second, frame alone per second) without a server."""
    from deepgrad.playground.session import Session
    session, rates = Session(), []
    for work in (lambda: (session.train_epoch(), session.frame()), session.frame):
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 2:
            work()
            n += 1
        rates.append(n / (time.perf_counter() - start))
    return rates


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    rate, size = websocket_rate(args.seconds)
    both, frame_only = in_process_rates(args.seconds)
    print(f"playground default network, 50x50 heatmap: {rate:.1f} updates/s over the WebSocket "
          f"({size / 1000:.1f} kB a frame); in process {both:.1f} epochs+frames/s, "
          f"frame alone {frame_only:.0f}/s")


if __name__ == "__main__":
    main()
