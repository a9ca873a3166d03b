"""Where core's time goes on its main reads: pyinstrument over in-process requests.

    .venv/bin/python -m pip install pyinstrument      # not a dependency of the project
    .venv/bin/python tools/profile_reads.py --keep /tmp/ispyb-bench [--only sessions ...]

Uses tools/bench.py's data (the same MariaDB, generated at ``--scale``, kept and reused
with ``--keep DIR``: the first run generates it, later runs measure at once) and the same
admin token verified from a JWKS; core's app is created in this process (the services'
settings, the driver of ``--driver``) and each read is requested ``--requests`` times
through Flask's test client (WSGI, no HTTP server) after a warm-up; so is the ceiling
app (tools/bench_ceiling.py) for the same rows. For each read it prints the CPU time a
request of both (this process's CPU: the database's own work is not in it, its waits are
not counted either, so the figures hold on a busy machine better than wall time does)
and pyinstrument's call tree of the service (wall time), frames under ``--cutoff``
percent left out (docs/performance.md, "Profiles").
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, event

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tools")]

import bench  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, required=True, help="bench work directory (kept)")
    parser.add_argument("--scale", type=float, default=0.01)
    parser.add_argument("--driver", default="pymysql")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--only", nargs="*", help="reads whose name contains one of these")
    parser.add_argument("--cutoff", type=float, default=2.0, help="percent of the time")
    parser.add_argument("--html", type=Path, help="also write one HTML profile a read here")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    with contextlib.ExitStack() as cleanup:
        directory = args.keep.resolve()
        directory.mkdir(parents=True, exist_ok=True)
        database = bench.Database(directory, args.scale)
        cleanup.callback(database.stop)
        urls, context = bench.prepare_data(database, args.scale, reuse=True)
        keys = bench.Keys()
        cleanup.callback(keys.stop)
        token = keys.admin_token()
        os.environ.update(
            {
                "ISPYB_CORE__DATABASE__URL": bench.driver_url(urls["core"], args.driver),
                "ISPYB_CORE__AUTH__JWKS_URL": keys.url,
                "ISPYB_CORE__API__WARM_UP": "false",
            }
        )
        import bench_ceiling

        from ispyb_core.app import create_app

        os.environ.update(
            {
                "ISPYB_CEILING_CORE_DB": bench.driver_url(urls["core"], args.driver),
                "ISPYB_CEILING_JWKS_URL": keys.url,
            }
        )
        # The access log is part of a request's cost: written, but not to this report.
        sink = cleanup.enter_context(open(os.devnull, "w"))
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)
        service = create_app().test_client()
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)
        ceiling = bench_ceiling.create_app().test_client()
        headers = {"Authorization": f"Bearer {token}"}
        reads = [
            s
            for s in bench.scenarios(context)
            if s.service == "core"
            and s.ceiling is not None
            and (not args.only or any(word in s.name for word in args.only))
        ]
        summary = []
        for scenario in reads:
            url = f"/ispyb/api/v1/core{scenario.path}"
            own = _timed(service, url, headers, args.requests)
            best = _timed(ceiling, scenario.ceiling, headers, args.requests)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.requests):
                service.get(url, headers=headers)
            profiler.stop()
            print(f"\n=== {scenario.name}: {url}")
            print(
                f"CPU ms a request: service {own[0]:.2f}, ceiling {best[0]:.2f}; "
                f"wall ms: service {own[1]:.2f}, ceiling {best[1]:.2f}; "
                f"SQL wall ms: service {own[2]:.2f}, ceiling {best[2]:.2f}"
            )
            print(_tree(profiler, args.cutoff))
            summary.append((scenario.name, own, best))
            if args.html:
                args.html.mkdir(parents=True, exist_ok=True)
                name = "".join(c if c.isalnum() else "-" for c in scenario.name)
                (args.html / f"{name}.html").write_text(profiler.output_html())
        head = ("read", "CPU ms", "ceiling", "ratio", "wall ms", "ceiling", "SQL ms", "ceiling")
        print("\n{:42} {:>8} {:>8} {:>6} {:>8} {:>8} {:>8} {:>8}".format(*head))
        for name, own, best in summary:
            ratio = best[0] / own[0] if own[0] else float("nan")
            figures = (*own[1:], *best[1:])
            print(f"{name:42} {own[0]:8.2f} {best[0]:8.2f} {ratio:6.2f}", end=" ")
            print(f"{figures[0]:8.2f} {figures[2]:8.2f} {figures[1]:8.2f} {figures[3]:8.2f}")
    return 0


class _SqlClock:
    """Wall time inside cursor.execute (the statement, its answer read by the driver)."""

    def __init__(self):
        self.seconds = 0.0
        self._started = 0.0
        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def _before(self, *_args):
        self._started = time.perf_counter()

    def _after(self, *_args):
        self.seconds += time.perf_counter() - self._started


_SQL = _SqlClock()


def _timed(client, url: str, headers: dict, requests: int) -> tuple[float, float, float]:
    """(CPU ms, wall ms, SQL wall ms) a request, after a warm-up; the process's CPU time,
    the database's not counted (it runs in another process)."""
    for _ in range(20):
        response = client.get(url, headers=headers)
        assert response.status_code == 200, (url, response.status_code)
    sql = _SQL.seconds
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(requests):
        client.get(url, headers=headers)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    sql = _SQL.seconds - sql
    return 1000 * cpu / requests, 1000 * wall / requests, 1000 * sql / requests


def _tree(profiler, cutoff: float) -> str:
    """The call tree, frames under ``cutoff`` percent of the total left out."""
    from pyinstrument.renderers import ConsoleRenderer

    renderer = ConsoleRenderer(
        unicode=False,
        color=False,
        show_all=False,
        time="percent_of_total",
        processor_options={"filter_threshold": cutoff / 100},
    )
    return renderer.render(profiler.last_session)


if __name__ == "__main__":
    sys.exit(main())
