"""An in-process OpenAI-compatible chat server for the LLM coder's tests (standard library only).

``StubLLMServer(reply)`` serves ``POST /v1/chat/completions`` on 127.0.0.1 in a thread. ``reply``
is called with the request's JSON body and returns one of: a string (the message content of a
normal completion), a dict (sent as the whole JSON response), ``(status, text)`` (an HTTP error),
``StubLLMServer.HANG`` (never answer: the client times out) or ``bytes`` (sent raw, e.g. a body
that is not JSON). Every request body is kept in ``requests`` and its headers in ``headers``.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class StubLLMServer:
    HANG = object()

    def __init__(self, reply):
        self.reply = reply
        self.requests: list[dict] = []
        self.headers: list[dict] = []
        self.paths: list[str] = []
        self._release = threading.Event()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep the test output clean
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.paths.append(self.path)
                stub.requests.append(body)
                stub.headers.append(dict(self.headers))
                if self.path != "/v1/chat/completions":
                    return self._send(404, b'{"error": "not found"}')
                out = stub.reply(body)
                if out is StubLLMServer.HANG:
                    stub._release.wait(30)
                    return None
                if isinstance(out, tuple):
                    return self._send(out[0], out[1].encode())
                if isinstance(out, bytes):
                    return self._send(200, out)
                if isinstance(out, str):
                    out = {"id": "stub", "object": "chat.completion", "created": int(time.time()),
                           "model": body.get("model"),
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": out}}]}
                return self._send(200, json.dumps(out).encode())

            def _send(self, status, data: bytes):
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def __enter__(self) -> "StubLLMServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._release.set()  # let a hanging handler finish
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
