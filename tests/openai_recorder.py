"""A small OpenAI-compatible server on loopback that records every request body.

For what the client *sends* (a picture as an ``image_url`` part, or not at all), the
request body is the thing to check; the answer is a fixed streamed text, or what
``reply(body)`` scripts from the request (a stand-in for a capable model: it is not one).
Real HTTP on 127.0.0.1 (the app's real httpx client and SSE parser), one thread per
connection.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANSWER = ["The picture ", "shows ", "a triangle."]


class RecordingOpenAI:
    def __init__(self, reply: Callable[[dict[str, Any]], list[str]] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.raw: list[bytes] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # /v1/models: the reachability probe
                self._send_json({"object": "list", "data": [{"id": "vision-model"}]})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                recorder.raw.append(raw)
                body = json.loads(raw)
                recorder.bodies.append(body)
                pieces = reply(body) if reply is not None else ANSWER
                if not body.get("stream"):
                    self._send_json({"choices": [{"message": {"content": "".join(pieces)},
                                                  "finish_reason": "stop"}]})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                for piece in pieces:
                    chunk = {"choices": [{"delta": {"content": piece}, "finish_reason": None}]}
                    self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                done = {"choices": [{"delta": {}, "finish_reason": "stop"}],
                        "usage": {"prompt_tokens": 50, "completion_tokens": 3}}
                self.wfile.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
                self.wfile.flush()
                self.close_connection = True

            def _send_json(self, data: dict[str, Any]) -> None:
                raw = json.dumps(data).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def start(self) -> RecordingOpenAI:
        self.thread.start()
        return self

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
