"""A tiny in-process OpenAI-compatible chat server for the learner's tests (named apart from the
"ci" helper's stub): it answers every passage that mentions ROI, conversions or the return on investment with the code
``roi`` and that passage's first words as evidence, records each request body, and serves from
a thread on 127.0.0.1."""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ChatStub:
    def __init__(self):
        self.requests: list[dict] = []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.requests.append({"path": self.path, "body": body})
                passage = body["messages"][-1]["content"].split("\n", 1)[-1]  # after "Passage:"
                codes = []
                if re.search(r"roi|conversion|return on investment", passage, re.I):
                    codes.append({"code": "roi", "evidence": " ".join(passage.split()[:3])})
                answer = {"choices": [{"message": {"role": "assistant",
                                                   "content": json.dumps({"codes": codes})}}]}
                raw = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
