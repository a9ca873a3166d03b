"""No secret in any log: every secret the test suite uses, looked for in every log it wrote.

A :class:`SecretWatch` runs for the whole session (tests/conftest.py):

- it **collects the secrets** the suite uses, where they travel: the bodies, query strings
  and ``Authorization`` headers of every request made with a Flask test client or over
  HTTP (``http.client``, which ``urllib`` and ``requests`` use too), and the tokens and
  secrets in every answer (access and refresh tokens, client secrets); plus the fixed
  passwords of the demo, the test accounts and the test directory;
- it **collects the logs**: every log record of the test process, formatted as the
  services write them, goes to a file; and at the end every log file under the session's
  temporary directory is read too (``make run``'s service and gateway logs, nginx's,
  slapd's, MariaDB's);
- at the end it **looks for every secret in every log** (also URL-encoded) and fails the
  session, naming the file, the line and the secret (shortened).

Short values (under 8 characters) are not counted: they are not secrets anyone would
choose, and would match ordinary words.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from ispyb_shared.logging import JsonFormatter, is_credential_name

MIN_LENGTH = 8
OVERLAP = 16 * 1024  # longer than any token: what is kept of a response between reads
LOG_SUFFIXES = (".log", ".out", ".err")
# A JWT anywhere in a text (header.payload.signature, base64url).
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
# "name": "value" pairs of a JSON text, for credential names.
JSON_PAIR = re.compile(r'"([A-Za-z0-9_-]{1,64})"\s*:\s*"((?:[^"\\]|\\.){1,4096})"')
BEARER = re.compile(r"^\s*(?:Bearer|Basic)\s+(\S+)\s*$", re.IGNORECASE)
# What a secret without separators looks like as a word of a log line.
WORD = re.compile(r"[A-Za-z0-9._~+!@#$%^*-]+")
# Values sent in credential fields that are not secrets: error cases of the tests.
NOT_SECRETS = frozenset({"null", "None", "undefined"})


class SecretWatch:
    def __init__(self, base_dir: Path):
        self.base_dir = base_dir
        self.in_process_log = base_dir / "secret-watch" / "in-process.log"
        self._secrets: set[str] = set()
        self._lock = threading.Lock()
        self._handler: logging.Handler | None = None
        self._patches: list[tuple[Any, str, Any]] = []

    # --- secrets -------------------------------------------------------------------------

    def add(self, value: Any) -> None:
        if not isinstance(value, str):
            return
        value = value.strip()
        if len(value) < MIN_LENGTH or value in NOT_SECRETS:
            return
        with self._lock:
            self._secrets.add(value)

    def add_all(self, values: Iterable[Any]) -> None:
        for value in values:
            self.add(value)

    @property
    def secrets(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._secrets)

    def harvest_text(self, text: str | bytes | None) -> None:
        """Tokens and credential values in a body or header block (JSON or form)."""
        if not text:
            return
        if isinstance(text, bytes):
            text = text[: 4 * 1024 * 1024].decode("utf-8", "replace")
        self.add_all(JWT.findall(text))
        for name, value in JSON_PAIR.findall(text):
            # "code" in JSON is the error envelope's code (an OAuth code comes in a query).
            if name != "code" and is_credential_name(name):
                try:
                    self.add(json.loads(f'"{value}"'))
                except ValueError:
                    self.add(value)
        if "=" in text and "{" not in text[:1]:
            self.harvest_query(text)

    def harvest_query(self, query: str | bytes | None) -> None:
        if not query:
            return
        if isinstance(query, bytes):
            query = query.decode("utf-8", "replace")
        for name, value in parse_qsl(query, keep_blank_values=False):
            if is_credential_name(name):
                self.add(value)

    def harvest_url(self, url: str | bytes | None) -> None:
        if not url:
            return
        if isinstance(url, bytes):
            url = url.decode("utf-8", "replace")
        self.harvest_query(urlsplit(url).query)

    def harvest_header(self, name: str | bytes, value: Any) -> None:
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        if not isinstance(value, str):
            return
        if name.lower() in {"authorization", "proxy-authorization"}:
            match = BEARER.match(value)
            self.add(match.group(1) if match else value)
        elif is_credential_name(name) or name.lower() in {"cookie", "x-api-key"}:
            self.add(value)

    def harvest_data(self, data: Any) -> None:
        if isinstance(data, dict):
            for name, value in data.items():
                if is_credential_name(str(name)):
                    self.add(value)
                elif isinstance(value, dict | list):
                    self.harvest_data(value)
        elif isinstance(data, list):
            for item in data:
                self.harvest_data(item)
        elif isinstance(data, str | bytes):
            self.harvest_text(data)

    # --- where secrets travel ---------------------------------------------------------------

    def start(self) -> None:
        self.in_process_log.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(self.in_process_log, encoding="utf-8")
        handler.setFormatter(JsonFormatter("test-process"))
        logging.getLogger().addHandler(handler)
        self._handler = handler
        self._patch_flask_client()
        self._patch_http_client()

    def stop(self) -> None:
        for owner, name, original in reversed(self._patches):
            setattr(owner, name, original)
        self._patches.clear()
        if self._handler is not None:
            logging.getLogger().removeHandler(self._handler)
            self._handler.close()
            self._handler = None

    def _patch(self, owner: Any, name: str, replacement: Any) -> None:
        self._patches.append((owner, name, getattr(owner, name)))
        setattr(owner, name, replacement)

    def _patch_flask_client(self) -> None:
        from flask.testing import FlaskClient

        original = FlaskClient.open
        watch = self

        def open_and_watch(client, *args, **kwargs):
            for value in args:
                if isinstance(value, str):
                    watch.harvest_url(value)
            for key in ("json", "data"):
                if key in kwargs:
                    watch.harvest_data(kwargs[key])
            if isinstance(kwargs.get("query_string"), str | bytes):
                watch.harvest_query(kwargs["query_string"])
            elif isinstance(kwargs.get("query_string"), dict):
                watch.harvest_data(kwargs["query_string"])
            for headers in (kwargs.get("headers"), client.environ_base):
                for name, value in dict(headers or {}).items():
                    watch.harvest_header(str(name).removeprefix("HTTP_").replace("_", "-"), value)
            response = original(client, *args, **kwargs)
            if not response.direct_passthrough:  # not a file being sent
                with contextlib.suppress(RuntimeError):  # a body already consumed
                    watch.harvest_text(response.get_data())
            return response

        self._patch(FlaskClient, "open", open_and_watch)

    def _patch_http_client(self) -> None:
        connection = http.client.HTTPConnection
        response_class = http.client.HTTPResponse
        watch = self
        putrequest, putheader, send = connection.putrequest, connection.putheader, connection.send
        read = response_class.read

        def watched_putrequest(conn, method, url, *args, **kwargs):
            watch.harvest_url(url)
            return putrequest(conn, method, url, *args, **kwargs)

        def watched_putheader(conn, header, *values):
            for value in values:
                watch.harvest_header(header, value)
            return putheader(conn, header, *values)

        def watched_send(conn, data):
            if isinstance(data, bytes | str):
                watch.harvest_text(data)
            return send(conn, data)

        def watched_read(resp, amt=None):
            data = read(resp, amt)
            if data:
                # The end of the previous chunk too: a token may straddle two reads.
                window = getattr(resp, "_secret_watch_tail", b"") + data
                resp._secret_watch_tail = window[-OVERLAP:]
                watch.harvest_text(window)
            return data

        self._patch(connection, "putrequest", watched_putrequest)
        self._patch(connection, "putheader", watched_putheader)
        self._patch(connection, "send", watched_send)
        self._patch(response_class, "read", watched_read)

    # --- looking for them ----------------------------------------------------------------

    def log_files(self) -> list[Path]:
        if self._handler is not None:
            self._handler.flush()
        found = []
        for directory, _dirs, files in os.walk(self.base_dir):
            in_log_dir = Path(directory).name in {"log", "logs"}
            for name in files:
                if in_log_dir or name.endswith(LOG_SUFFIXES):
                    found.append(Path(directory) / name)
        return sorted(found)

    def needles(self) -> tuple[dict[str, str], dict[str, str]]:
        """(secrets found as whole words of a line, secrets looked for as substrings), each
        mapping what is looked for to the secret it stands for."""
        words: dict[str, str] = {}
        substrings: dict[str, str] = {}
        for secret in self.secrets:
            for form in {secret, quote(secret, safe=""), quote(secret, safe="/:")}:
                target = words if WORD.fullmatch(form) else substrings
                target[form] = secret
        return words, substrings

    def scan(self) -> list[tuple[Path, int, str]]:
        """Every (file, line number, secret) where a secret was logged."""
        words, substrings = self.needles()
        leaks: list[tuple[Path, int, str]] = []
        for path in self.log_files():
            for number, line in _lines(path):
                hits = {words[w] for w in _words(line) if w in words}
                hits |= {secret for form, secret in substrings.items() if form in line}
                leaks.extend((path, number, secret) for secret in sorted(hits))
        return leaks

    def write_summary(self, leaks: list[tuple[Path, int, str]]) -> str:
        """What was watched and read, next to the in-process log (to see it really looks);
        returns its first line."""
        files = self.log_files()
        size = sum(path.stat().st_size for path in files)
        lines = [
            f"{len(self.secrets)} secrets watched, {len(files)} log files read ({size} bytes), "
            f"{len(leaks)} leaks",
            *(f"{path.relative_to(self.base_dir)} ({path.stat().st_size} bytes)" for path in files),
        ]
        summary = self.in_process_log.with_name("summary.txt")
        summary.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return lines[0]

    def report(self, leaks: list[tuple[Path, int, str]]) -> str:
        shown = [
            f"  {path.relative_to(self.base_dir)}:{number}: {_shorten(secret)}"
            for path, number, secret in leaks[:40]
        ]
        more = f"\n  ... and {len(leaks) - 40} more" if len(leaks) > 40 else ""
        return (
            f"{len(leaks)} secret(s) used by the tests were written to a log "
            f"({len(self.secrets)} secrets watched, {len(self.log_files())} log files read):\n"
            + "\n".join(shown)
            + more
        )


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            yield from enumerate(handle, 1)
    except OSError:
        return


_EDGES = ".~+!@#$%^*-"


def _words(line: str) -> set[str]:
    found = set(WORD.findall(line))
    # A URL-encoded value: its decoded words count too.
    if "%" in line:
        found |= set(WORD.findall(unquote(line)))
    # "... alice-password." : the word without the punctuation around it counts too.
    return found | {word.strip(_EDGES) for word in found}


def _shorten(secret: str) -> str:
    return secret if len(secret) <= 16 else f"{secret[:8]}...{secret[-4:]} ({len(secret)} chars)"
