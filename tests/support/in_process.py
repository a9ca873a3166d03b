"""A real ``requests.Session`` whose calls to ``http://core.test`` are answered by core's
Flask app in-process: services under test talk to the real core (its rules, its
database) through the same client code as in production, with no server to start.

:class:`CoreLine` records every call and can misbehave on request, as a network and a
server can: refuse connections (``down``), answer a forced status or a body that is not
JSON, widen list answers, or be slower than the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

CORE_URL = "http://core.test"


def to_requests_response(request: requests.PreparedRequest, answer) -> requests.Response:
    """A werkzeug test response as the ``requests.Response`` a real server would give."""
    response = requests.Response()
    response.status_code = answer.status_code
    response._content = answer.get_data()
    response.headers = CaseInsensitiveDict(dict(answer.headers))
    response.url = request.url
    response.request = request
    response.encoding = "utf-8"
    response.reason = answer.status.partition(" ")[2]
    return response


class FlaskAdapter(BaseAdapter):
    """Sends each request into ``app`` through its test client."""

    def __init__(self, app):
        super().__init__()
        self.app = app

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        body = request.body.encode() if isinstance(request.body, str) else request.body
        answer = self.app.test_client().open(
            path, method=request.method, headers=dict(request.headers), data=body
        )
        return to_requests_response(request, answer)

    def close(self):
        pass


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, list[str]]
    authorization: str | None
    requestId: str | None
    line: str
    body: Any = None

    def __getitem__(self, key):  # the shape em's tests read: call["query"]
        return getattr(self, key)

    def __iter__(self):  # the shape ssx's tests read: for method, path in calls
        return iter((self.method, self.line.split(" ")[1]))


@dataclass
class CoreLine(BaseAdapter):
    """The line between a service and core: records calls, misbehaves when told to."""

    target: BaseAdapter
    calls: list[Call] = field(default_factory=list)
    down: bool = False
    answer_status: int | None = None
    answer_body: bytes | None = None
    extra_results: list[dict] = field(default_factory=list)
    delay_seconds: float = 0.0
    # Called with (call, response) once core has answered; may raise to lose the answer.
    after_delivery: Any = None

    def __post_init__(self):
        super().__init__()
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
        self.down = False
        self.answer_status = None
        self.answer_body = None
        self.extra_results.clear()
        self.delay_seconds = 0.0
        self.after_delivery = None

    def requests_to(self, path_suffix: str) -> list[Call]:
        return [call for call in self.calls if call.path.endswith(path_suffix)]

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        if self.down:
            raise requests.ConnectionError("core is down (test)", request=request)
        parts = urlsplit(request.url)
        path_and_query = parts.path + (f"?{parts.query}" if parts.query else "")
        raw = request.body.decode() if isinstance(request.body, bytes) else request.body
        with self._lock:
            call = Call(
                method=request.method,
                path=parts.path,
                query=parse_qs(parts.query),
                authorization=request.headers.get("Authorization"),
                requestId=request.headers.get("X-Request-ID"),
                line=f"{request.method} {path_and_query} HTTP/1.1",
                body=json.loads(raw) if raw else None,
            )
            self.calls.append(call)
        if self.delay_seconds:
            read_timeout = timeout[1] if isinstance(timeout, tuple) else timeout
            if read_timeout is not None and self.delay_seconds > read_timeout:
                time.sleep(read_timeout)
                raise requests.ReadTimeout("core did not answer in time (test)", request=request)
            time.sleep(self.delay_seconds)
        if self.answer_body is not None:
            return _raw_response(request, 200, self.answer_body)
        if self.answer_status is not None:
            body = json.dumps({"code": "X", "message": "forced by the test"}).encode()
            return _raw_response(request, self.answer_status, body)
        response = self.target.send(request, stream=stream, timeout=timeout)
        if self.after_delivery is not None:
            self.after_delivery(call, response)
        if self.extra_results and response.status_code == 200:
            payload = response.json()
            if isinstance(payload, dict) and isinstance(payload.get("results"), list):
                payload["results"] += self.extra_results
                response._content = json.dumps(payload).encode()
        return response

    def close(self):
        pass


def _raw_response(request, status: int, body: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body
    response.url = request.url
    response.request = request
    return response


def in_process_core(app) -> tuple[requests.Session, CoreLine]:
    """A session reaching core's ``app`` at CORE_URL, and the line it goes through."""
    line = CoreLine(FlaskAdapter(app))
    session = requests.Session()
    session.mount(CORE_URL + "/", line)
    return session, line
