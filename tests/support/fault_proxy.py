"""A real HTTP proxy in front of a service that can lose its answers: the request reaches
the service, which does the work, and the connection is then closed without a reply, as
when a network or a load balancer drops it. For end-to-end fault tests."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "content-length"}


class FaultProxy:
    def __init__(self, target_url: str):
        self.target_url = target_url.rstrip("/")
        self.lose_answers_to: set[str] = set()  # HTTP methods
        # HTTP method -> how many of its next answers to lose (then answer again).
        self.lose_next: dict[str, int] = {}
        self.lost: list[str] = []
        # Every request forwarded: (method, path, headers), for tests of retries.
        self.forwarded: list[tuple[str, str, dict[str, str]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
                answer = requests.request(
                    self.command,
                    proxy.target_url + self.path,
                    headers=headers,
                    data=body,
                    timeout=60,
                )
                proxy.forwarded.append((self.command, self.path, dict(self.headers.items())))
                if proxy.lose_next.get(self.command):
                    proxy.lose_next[self.command] -= 1
                    lose = True
                else:
                    lose = self.command in proxy.lose_answers_to
                if lose:
                    proxy.lost.append(f"{self.command} {self.path}")
                    self.close_connection = True
                    return
                self.send_response(answer.status_code)
                for name, value in answer.headers.items():
                    # requests decoded the body (gzip, br): it goes on decoded.
                    if name.lower() not in HOP_BY_HOP | {"content-encoding"}:
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler
