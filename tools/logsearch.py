"""Search the central log: the gateway's JSON access log, joined to the services' logs.

Every request through the gateway has one line in var/log/gateway.log (Kong's file-log
layout, see docs/gateway.md); the services log the same id as ``requestId``. Filters
combine (all must match):

  tools/logsearch.py --request-id 3f0c...           one request, with its service log lines
  tools/logsearch.py --service core --status 5xx    core's server errors
  tools/logsearch.py --status 429,413               refused by the gateway
  tools/logsearch.py --slower-than 500              requests that took over 500 ms
  tools/logsearch.py --subject alice --since 2026-12-01T08:00   what alice did since 8:00
  tools/logsearch.py --subject pipeline-i03 --status 4xx  a client's refused requests
  docker-compose logs --no-log-prefix kong | tools/logsearch.py --file -   Kong's log

Output: one line per request (time, id, method, URI, status, service/route, latency);
``--json`` prints the matching log lines as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

ROOT = Path(__file__).resolve().parent.parent
STATUS_FILTER = re.compile(r"^(?:[1-5]xx|[1-5]\d\d)$")


class SearchError(Exception):
    pass


def parse_status_filter(raw: str) -> list[str]:
    """ "5xx", "404" or a comma-separated list of them."""
    patterns = [part.strip().lower() for part in raw.split(",") if part.strip()]
    bad = [p for p in patterns if not STATUS_FILTER.match(p)]
    if bad or not patterns:
        raise SearchError(
            f"--status {raw!r}: use a class like 5xx or a code like 404, comma-separated"
        )
    return patterns


def status_matches(status: Any, patterns: list[str]) -> bool:
    text = str(status)
    return any(text == p or (p.endswith("xx") and text[:1] == p[0]) for p in patterns)


def read_json_lines(stream: Iterable[str]) -> Iterator[dict[str, Any]]:
    """The JSON objects of a log; other lines (e.g. Kong's own messages) are skipped."""
    for line in stream:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            yield entry


def parse_time(raw: str) -> float:
    """An ISO 8601 time (zone optional, UTC assumed) as milliseconds since the epoch."""
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp() * 1000


def subject_of(entry: dict[str, Any], subjects: dict[str, str]) -> str | None:
    """Who made a gateway entry's request: the gateway's own field when it has one, else
    the subject the service logged for the same request id."""
    caller = entry.get("caller") if isinstance(entry.get("caller"), dict) else {}
    return (
        caller.get("subject")
        or entry.get("subject")
        or subjects.get(entry.get("correlation_id") or "")
    )


def service_subjects(log_dir: Path) -> dict[str, str]:
    """request id -> subject, from the services' access lines."""
    found: dict[str, str] = {}
    for path in sorted(log_dir.glob("*.log")):
        if path.name.startswith("gateway"):
            continue
        with path.open(encoding="utf-8", errors="replace") as stream:
            for entry in read_json_lines(stream):
                if entry.get("logger") == "ispyb.access" and entry.get("subject"):
                    found[entry.get("requestId") or ""] = entry["subject"]
    return found


def matches(entry: dict[str, Any], args: argparse.Namespace, subjects=None) -> bool:
    if args.request_id and entry.get("correlation_id") != args.request_id:
        return False
    if args.subject and subject_of(entry, subjects or {}) != args.subject:
        return False
    started = entry.get("started_at")
    if args.since is not None and not (isinstance(started, int | float) and started >= args.since):
        return False
    if args.until is not None and not (isinstance(started, int | float) and started < args.until):
        return False
    if args.service and (entry.get("service") or {}).get("name") != args.service:
        return False
    if args.status and not status_matches((entry.get("response") or {}).get("status"), args.status):
        return False
    if args.slower_than is not None:
        latency = (entry.get("latencies") or {}).get("request")
        if not isinstance(latency, int | float) or latency <= args.slower_than:
            return False
    return True


def describe(entry: dict[str, Any]) -> str:
    request = entry.get("request") or {}
    response = entry.get("response") or {}
    latencies = entry.get("latencies") or {}
    started = entry.get("started_at")
    when = (
        datetime.fromtimestamp(started / 1000, UTC).isoformat(timespec="milliseconds")
        if isinstance(started, int | float)
        else "?"
    )
    service = (entry.get("service") or {}).get("name") or "-"
    route = (entry.get("route") or {}).get("name") or "no route"
    proxy = latencies.get("proxy")
    upstream = f" (service {proxy} ms)" if isinstance(proxy, int | float) and proxy >= 0 else ""
    return (
        f"{when}  {entry.get('correlation_id', '?')}  {request.get('method', '?')} "
        f"{request.get('uri', '?')}  {response.get('status', '?')}  {service}/{route}  "
        f"{latencies.get('request', '?')} ms{upstream}  {response.get('size', '?')} B"
    )


def service_log_lines(log_dir: Path, request_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(log file name, entry) of every service log line with this request id."""
    for path in sorted(log_dir.glob("*.log")):
        if path.name.startswith("gateway"):
            continue
        with path.open(encoding="utf-8", errors="replace") as stream:
            for entry in read_json_lines(stream):
                if entry.get("requestId") == request_id:
                    yield path.name, entry


def describe_service_line(name: str, entry: dict[str, Any]) -> str:
    extra = ""
    if entry.get("logger") == "ispyb.access":
        extra = f" ({entry.get('durationMs')} ms)"
    return (
        f"    {name}  {entry.get('timestamp', '?')}  {entry.get('level', '?')}  "
        f"{entry.get('logger', '?')}: {entry.get('message', '')}{extra}"
    )


def search(args: argparse.Namespace, out: TextIO) -> int:
    """Print the matches; the exit code is 0 when something matched, 1 when not."""
    log_dir = Path(args.log_dir)
    if args.file == "-":
        entries = list(read_json_lines(sys.stdin))
    else:
        path = Path(args.file) if args.file else log_dir / "gateway.log"
        if not path.exists():
            raise SearchError(f"{path} does not exist (is the gateway running? see make run)")
        with path.open(encoding="utf-8", errors="replace") as stream:
            entries = list(read_json_lines(stream))
    subjects = service_subjects(log_dir) if args.subject else {}
    found = [entry for entry in entries if matches(entry, args, subjects)]
    if args.tail:
        found = found[-args.tail :]
    for entry in found:
        print(json.dumps(entry) if args.json else describe(entry), file=out)
    if args.request_id and not args.no_service_logs:
        lines = list(service_log_lines(log_dir, args.request_id))
        if not args.json:
            print(f"  service log lines for {args.request_id}: {len(lines)}", file=out)
        for name, entry in lines:
            print(json.dumps(entry) if args.json else describe_service_line(name, entry), file=out)
        return 0 if found or lines else 1
    return 0 if found else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="tools/logsearch.py",
        description=__doc__.split("\n\n", 1)[0],
        epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--request-id", help="one request (the X-Request-ID / correlation_id)")
    parser.add_argument("--service", help="service name (core, ssx, em, auth, docs)")
    parser.add_argument("--status", type=parse_status_arg, help="e.g. 5xx, 404 or 4xx,503")
    parser.add_argument(
        "--slower-than", type=float, metavar="MS", help="total latency above MS milliseconds"
    )
    parser.add_argument(
        "--subject", help="who: a login or a client id (from the gateway, else the services)"
    )
    parser.add_argument("--since", type=parse_time, help="from this time (ISO 8601; UTC if bare)")
    parser.add_argument("--until", type=parse_time, help="before this time (ISO 8601)")
    parser.add_argument("--tail", type=int, metavar="N", help="only the last N matches")
    parser.add_argument("--json", action="store_true", help="print the log lines as they are")
    parser.add_argument(
        "--no-service-logs",
        action="store_true",
        help="with --request-id: do not look for the id in the services' logs",
    )
    default_log_dir = Path(os.environ.get("ISPYB_VAR_DIR") or ROOT / "var") / "log"
    parser.add_argument("--log-dir", default=default_log_dir, help=f"default: {default_log_dir}")
    parser.add_argument(
        "--file", help="the gateway log to read instead of LOG_DIR/gateway.log; - for stdin"
    )
    args = parser.parse_args(argv)
    try:
        return search(args, sys.stdout)
    except SearchError as exc:
        print(f"logsearch: {exc}", file=sys.stderr)
        return 2


def parse_status_arg(raw: str) -> list[str]:
    try:
        return parse_status_filter(raw)
    except SearchError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


if __name__ == "__main__":
    sys.exit(main())
