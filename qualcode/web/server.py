"""Run the workbench in a background thread (tests, benchmarks, the screenshot script).

``qualcode open`` runs uvicorn in the main thread; this helper runs the same server on a free
port of 127.0.0.1 beside other work and stops it again.
"""
from __future__ import annotations

import socket
import threading
import time


class ServerThread:
    """A uvicorn server for ``app`` on 127.0.0.1, a free port, in a daemon thread.

    ``url`` is its base address; :meth:`stop` shuts it down. Use as a context manager.
    """

    def __init__(self, app, *, host: str = "127.0.0.1"):
        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://{host}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]},
                                       daemon=True, name="qualcode-web")

    def start(self, timeout: float = 10) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the workbench server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
