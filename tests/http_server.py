"""A real uvicorn server on an ephemeral port, in a thread, for HTTP and browser tests."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from bot.server import server_config


class LiveServer:
    """Runs an ASGI app with uvicorn on 127.0.0.1:<free port> until stop()."""

    def __init__(self, app, **options):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(server_config(app, "127.0.0.1", self.port, log_level="warning", **options))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def start(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
