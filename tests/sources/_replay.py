"""A local HTTP server that replays recorded answers of a service, with the failures services show: each
request to a path takes the next step of that path's script (the last step repeats). A script's key is a path,
or a path with its query string where requests differ only by their query."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Step:
    """One answer: status, content type, body, extra headers; ``cut`` sends only the first half of the body
    while announcing all of it, then closes the connection."""

    status: int = 200
    body: bytes = b""
    content_type: str = "application/xml"
    headers: dict[str, str] = field(default_factory=dict)
    cut: bool = False


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that hangs up is not the test's subject
        pass


class Replay:
    def __init__(self, script: dict[str, list[Step]]):
        self.script = script
        self.log: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = self.path if self.path in outer.script else self.path.split("?")[0]
                outer.log.append(self.path)
                steps = outer.script.get(path) or [Step(404, b"Not Found", "text/plain")]
                served = sum(1 for p in outer.log[:-1] if p == path or p.split("?")[0] == path)
                step = steps[min(served, len(steps) - 1)]
                self.send_response(step.status)
                if step.content_type:
                    self.send_header("Content-Type", step.content_type)
                for name, value in step.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(step.body)))
                if step.cut:
                    self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(step.body[: len(step.body) // 2] if step.cut else step.body)
                if step.cut:
                    self.close_connection = True

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Replay:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
