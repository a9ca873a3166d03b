"""A stand-in for core's data-collection endpoints, for em's own tests.

A real HTTP server (a thread) answering the two endpoints of the contract between em and
core from a dict, deciding visibility the way core does (session members, staff by
beamline, admin, clients with core:read). It does not verify signatures: em has already
verified the token it forwards. The end-to-end tests (test_end_to_end.py) use real core.
"""

from __future__ import annotations

import json
import threading
import time
import uuid as uuid_module
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import jwt

PREFIX = "/ispyb/api/v1/core/data-collections"


class FakeCore:
    def __init__(self):
        self.data_collections: dict[str, dict] = {}
        self.members: dict[str, set[str]] = {}
        self.beamlines: dict[str, str] = {}
        self.requests: list[dict] = []
        self.answer_status: int | None = None
        self.answer_body: bytes | None = None
        self.extra_results: list[dict] = []
        self.delay_seconds = 0.0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeCore:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.data_collections.clear()
            self.members.clear()
            self.beamlines.clear()
            self.requests.clear()
            self.answer_status = None
            self.answer_body = None
            self.extra_results.clear()
            self.delay_seconds = 0.0

    def add_data_collection(
        self,
        *,
        members=("member",),
        beamline: str = "m02",
        group: str | None = None,
        visit: str = "cm1-1",
        uuid: str | None = None,
    ) -> str:
        """A data collection of a session on ``beamline`` whose members are ``members``."""
        uuid = uuid or str(uuid_module.uuid4())
        number = len(self.data_collections) + 1
        self.data_collections[uuid] = {
            "dataCollectionId": number,
            "uuid": uuid,
            "dataCollectionGroupId": number,
            "dataCollectionGroupUUID": group or str(uuid_module.uuid4()),
            "sessionId": number,
            "sessionUUID": str(uuid_module.uuid4()),
            "visit": visit,
            "experimentType": "Single Particle",
            "startTime": "2026-11-09T09:00:00",
            "endTime": None,
            "imageDirectory": f"/dls/m02/data/2026/{visit}/raw",
        }
        self.members[uuid] = set(members)
        self.beamlines[uuid] = beamline
        return uuid

    def list_requests(self) -> list[dict]:
        return [entry for entry in self.requests if entry["path"] == PREFIX]

    # --- core's rules --------------------------------------------------------------------

    def _visible(self, claims: dict, uuid: str) -> bool:
        if claims.get("kind") == "client":
            return "core:read" in (claims.get("scope") or "").split()
        roles = set(claims.get("roles") or [])
        beamlines = set(claims.get("beamlines") or [])
        if "admin" in roles or ("staff" in roles and not beamlines):
            return True
        if "staff" in roles:
            return self.beamlines[uuid] in beamlines
        return claims.get("sub") in self.members[uuid]

    def _handler(self):
        core = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format, *args):
                pass

            def _send(self, status: int, body: dict) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                with core._lock:
                    core.requests.append(
                        {
                            "path": parts.path,
                            "query": query,
                            "authorization": self.headers.get("Authorization"),
                            "requestId": self.headers.get("X-Request-ID"),
                            "line": self.requestline,
                        }
                    )
                if core.delay_seconds:
                    time.sleep(core.delay_seconds)
                if core.answer_body is not None:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(core.answer_body)))
                    self.end_headers()
                    self.wfile.write(core.answer_body)
                    return None
                if core.answer_status is not None:
                    return self._send(core.answer_status, {"code": "X", "message": "fake"})
                header = self.headers.get("Authorization") or ""
                try:
                    claims = jwt.decode(
                        header.removeprefix("Bearer "), options={"verify_signature": False}
                    )
                except jwt.PyJWTError:
                    return self._send(401, {"code": "UNAUTHORIZED", "message": "no token"})
                if claims.get("kind") == "client" and "core:read" not in claims.get("scope", ""):
                    return self._send(403, {"code": "FORBIDDEN", "message": "core:read"})
                if parts.path == PREFIX:
                    wanted = [u for u in query.get("uuid.in", [""])[0].split(",") if u]
                    results = [
                        core.data_collections[u]
                        for u in wanted
                        if u in core.data_collections and core._visible(claims, u)
                    ] + core.extra_results
                    return self._send(
                        200, {"total": len(results), "limit": 1000, "offset": 0, "results": results}
                    )
                if parts.path.startswith(PREFIX + "/"):
                    uuid = parts.path[len(PREFIX) + 1 :]
                    if uuid in core.data_collections and core._visible(claims, uuid):
                        return self._send(200, core.data_collections[uuid])
                return self._send(404, {"code": "NOT_FOUND", "message": "no"})

        return Handler
