"""Credentials in a query string, and the Java dialect's token in a path, never reach the
gateway's access log.

The Java dialect carries its token in the path (``/compat/java/{token}/...``, docs/compat.md):
that segment is logged as ``REDACTED`` too (:func:`redact_path`; the nginx maps' first stage;
Kong's Lua snippets), in every field that carries the path.

The values of the parameters named in ``CREDENTIAL_PARAMETERS`` (any case) are logged as
``REDACTED`` in the fields that carry the query string (``request.uri``, ``request.url``,
``upstream_uri``); the names stay, so the log still says what was sent. The request itself
reaches the service unchanged.

- nginx: a chain of ``map``s (``nginx_redaction_maps``), each redacting one more value;
  after ``NGINX_STAGES`` of them, a URI that still holds an unredacted credential is logged
  without its query string.
- nginx's error log (the request line and upstream URL it quotes): under tools/run.py nginx
  writes it to its stderr, and :class:`ErrorLogPump` writes each line through
  :func:`redact_text` to ``gateway-error.log`` (nginx itself cannot rewrite that log).
- Kong: file-log's ``custom_fields_by_lua`` in gateway/kong.yml does the same for
  ``request.uri``, ``request.url``, ``upstream_uri`` and ``request.querystring``; a test
  keeps its list of names equal to this one.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import BinaryIO

CREDENTIAL_PARAMETERS = (
    "password",
    "secret",
    "token",
    "access_token",
    "refresh_token",
    "client_secret",
    "code",
    "api_key",
)
REDACTED = "REDACTED"
# More credentials than this in one query string: the whole query string is dropped.
NGINX_STAGES = 6

_NAMES = "|".join(re.escape(name) for name in CREDENTIAL_PARAMETERS)

# The segment after this (any case), but the login route's name, is a token.
PATH_TOKEN_PREFIX = "/compat/java/"
PATH_TOKEN_EXEMPT = "authenticate"
_PATH_TOKEN = re.compile(
    rf"({re.escape(PATH_TOKEN_PREFIX)})(?!{PATH_TOKEN_EXEMPT}(?:$|[/?]))[^/?]+", re.IGNORECASE
)


def redact_path(uri: str) -> str:
    """``uri`` with a token carried in its path (``/compat/java/{token}/...``) replaced."""
    path, question, query = uri.partition("?")
    return _PATH_TOKEN.sub(lambda m: m.group(1) + REDACTED, path) + question + query


def redact_uri(uri: str) -> str:
    """What the gateway logs for ``uri``: the path token and the query's credentials."""
    return redact_query(redact_path(uri))


def redact_query(uri: str) -> str:
    """What the gateway logs for ``uri`` (the same rule as the nginx maps)."""
    path, question, query = uri.partition("?")
    if not question:
        return uri
    pattern = re.compile(rf"(^|&)((?:{_NAMES})=)[^&]+", re.IGNORECASE)
    return f"{path}?{pattern.sub(lambda m: m.group(1) + m.group(2) + REDACTED, query)}"


def nginx_redaction_maps(source: str = "$request_uri") -> tuple[list[dict], str]:
    """The maps (for the nginx template) and the variable that holds the logged URI: first
    the path's token (:func:`redact_path`), then one credential of the query per stage."""
    maps = [
        {
            "source": source,
            "target": "$ispyb_logged_path",
            "pattern": rf"^(?<ispyb_path_a>[^?]*{re.escape(PATH_TOKEN_PREFIX)})"
            rf"(?!{PATH_TOKEN_EXEMPT}(?:[/?]|$))[^/?]+(?<ispyb_path_b>.*)$",
            "value": f"${{ispyb_path_a}}{REDACTED}${{ispyb_path_b}}",
        }
    ]
    previous = "$ispyb_logged_path"
    for stage in range(1, NGINX_STAGES + 1):
        before, after = f"ispyb_redact_{stage}a", f"ispyb_redact_{stage}b"
        target = f"$ispyb_logged_uri_{stage}"
        maps.append(
            {
                "source": previous,
                "target": target,
                # The last credential that is not redacted yet (the greedy part finds one).
                "pattern": rf"^(?<{before}>[^?]*\?(?:.*&)?(?:{_NAMES})=)(?!{REDACTED}(?:&|$))"
                rf"[^&]+(?<{after}>.*)$",
                "value": f"${{{before}}}{REDACTED}${{{after}}}",
            }
        )
        previous = target
    maps.append(
        {
            "source": previous,
            "target": "$ispyb_logged_uri",
            "pattern": rf"^(?<ispyb_redact_path>[^?]*)\?(?=(?:.*&)?(?:{_NAMES})="
            rf"(?!{REDACTED}(?:&|$))[^&])",
            "value": f"${{ispyb_redact_path}}?{REDACTED}",
        }
    )
    return maps, "$ispyb_logged_uri"


# In free text (nginx's error lines): the Java token ends at "/", "?", a quote or a space;
# a credential's value at "&", a quote or a space.
_TEXT_PATH_TOKEN = re.compile(
    rf"({re.escape(PATH_TOKEN_PREFIX)})(?!{PATH_TOKEN_EXEMPT}(?:[/?\s\"]|$))[^/?\s\"]+",
    re.IGNORECASE,
)
_TEXT_CREDENTIAL = re.compile(rf"([?&](?:{_NAMES})=)[^&\s\"]+", re.IGNORECASE)


def redact_text(text: str) -> str:
    """A log line with every Java path token and query credential in it redacted (nginx's
    error lines quote ``request: "GET /...compat/java/<token>/... HTTP/1.1"`` and the
    upstream URL)."""
    text = _TEXT_PATH_TOKEN.sub(lambda m: m.group(1) + REDACTED, text)
    return _TEXT_CREDENTIAL.sub(lambda m: m.group(1) + REDACTED, text)


class ErrorLogPump(threading.Thread):
    """Copies nginx's error lines from its stderr (``error_log stderr``) to ``path``,
    each through :func:`redact_text`; ends when nginx closes its stderr."""

    def __init__(self, stream: BinaryIO, path: Path):
        super().__init__(name="gateway-error-log", daemon=True)
        self.stream = stream
        self.path = path

    def run(self) -> None:
        with self.path.open("a", encoding="utf-8") as log:
            for raw in iter(self.stream.readline, b""):
                log.write(redact_text(raw.decode("utf-8", "replace")))
                log.flush()
        self.stream.close()
