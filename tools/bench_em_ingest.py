"""Ingestion throughput of the em service on MariaDB: movies (each with its motion
correction and CTF) stored per second through ``POST /movies/batch``.

What runs: a throwaway MariaDB (tests/support/mariadb.py) with em's schema; em under
gunicorn (``--workers``, default 2) exactly as `make run` starts it; the real core under
gunicorn on SQLite with one data collection (em caches core's answer, so it costs one
call per 30 s); ``--clients`` threads posting ``--batches`` batches of ``--batch-size``
movies, each with motion correction and CTF (``--full`` adds relative ice thickness and
particle picking), all on this machine. Then the same batches are sent again (a resend
stores nothing) and timed too. Prints movies/s and rows/s, the settings, the machine and
its load average (other work on the machine lowers the figures).

    .venv/bin/python tools/bench_em_ingest.py [--batches 20] [--batch-size 500]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.gateway.support import free_port  # noqa: E402
from tests.support.mariadb import ThrowawayMariaDB  # noqa: E402
from tests.support.tokens import TestTokens  # noqa: E402

EM = "/ispyb/api/v1/em"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, default=20, help="batches to send (20)")
    parser.add_argument("--batch-size", type=int, default=500, help="movies per batch (500)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent senders (2)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of em (2)")
    parser.add_argument(
        "--full",
        action="store_true",
        help="also relative ice thickness and particle picking per movie",
    )
    return parser.parse_args()


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, Python {platform.python_version()}"


def post(port: int, path: str, body: bytes, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", "Authorization": token},
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def batch(data_collection: str, start: int, size: int, programs: dict, full: bool) -> bytes:
    records = []
    for number in range(start, start + size):
        record = {
            "dataCollectionUUID": data_collection,
            "movieNumber": number,
            "movieFullPath": f"/dls/m02/data/2026/bench-1/raw/FoilHole_{number}_Data.tiff",
            "createdTimeStamp": "2026-11-09T10:00:00",
            "nominalDefocus": -16000.0,
            "fluence": 40.0,
            "numberOfFrames": 40,
            "motionCorrection": {
                "autoProcProgramId": programs["motion"],
                "imageNumber": number,
                "firstFrame": 1,
                "lastFrame": 40,
                "dosePerFrame": 1.0,
                "totalMotion": 5.0 + number % 200 / 10,
                "averageMotionPerFrame": 0.25 + number % 10 / 40,
                "micrographFullPath": f"/dls/m02/data/2026/bench-1/mc/FoilHole_{number}.mrc",
                "micrographSnapshotFullPath": f"/dls/m02/data/2026/bench-1/mc/{number}.jpeg",
                "driftPlotFullPath": f"/dls/m02/data/2026/bench-1/mc/{number}.json",
                "patchesUsedX": 5,
                "patchesUsedY": 5,
            },
            "ctf": {
                "autoProcProgramId": programs["ctf"],
                "boxSizeX": 512.0,
                "boxSizeY": 512.0,
                "minResolution": 30.0,
                "maxResolution": 4.0,
                "astigmatism": 100.0 + number % 500,
                "astigmatismAngle": number % 180 - 90.0,
                "estimatedResolution": 3.0 + number % 50 / 10,
                "estimatedDefocus": 12000.0 + number % 8000,
                "amplitudeContrast": 0.1,
                "ccValue": 0.05 + number % 25 / 100,
            },
        }
        if full:
            record["relativeIceThickness"] = {
                "autoProcProgramId": programs["ice"],
                "minimum": 0.1,
                "q1": 0.3,
                "median": 0.4 + number % 30 / 100,
                "q3": 0.7,
                "maximum": 0.9,
            }
            record["particlePicker"] = {
                "programId": programs["picking"],
                "particleDiameter": 16.0,
                "numberOfParticles": 100 + number % 300,
            }
        records.append(record)
    return json.dumps({"records": records}).encode()


def send_all(port: int, bodies: list[bytes], token: str, clients: int) -> tuple[float, list]:
    """Send every body, ``clients`` at a time; (seconds, answers)."""
    answers: list = [None] * len(bodies)
    next_index = iter(range(len(bodies)))
    lock = threading.Lock()

    def sender():
        while True:
            with lock:
                index = next(next_index, None)
            if index is None:
                return
            answers[index] = post(port, f"{EM}/movies/batch", bodies[index], token)

    threads = [threading.Thread(target=sender) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, answers


def wait_healthy(port: int, process: subprocess.Popen, service: str = "em") -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{service} exited with code {process.returncode}")
        try:
            url = f"http://127.0.0.1:{port}/ispyb/api/v1/{service}/health"
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"{service} did not start")


def gunicorn(service: str, port: int, workers: int, environment: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "300",
            f"ispyb_{service}.app:create_app()",
        ],
        env=environment,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_core(scratch: Path, tokens: TestTokens) -> tuple[subprocess.Popen, int, str]:
    """Core under gunicorn on SQLite, with one data collection; (process, port, its UUID)."""
    from ispyb_shared.db import Database
    from tests.factories import CoreFactory

    url = f"sqlite:///{scratch}/core.sqlite"
    environment = {
        **os.environ,
        "ISPYB_CORE__DATABASE__URL": url,
        "ISPYB_CORE__AUTH__JWKS_URL": "null",
        "ISPYB_CORE__AUTH__PUBLIC_KEY_FILE": str(tokens.public_key_file),
        "ISPYB_CORE__LOGGING__LEVEL": "WARNING",
    }
    binaries = Path(sys.executable).parent
    subprocess.run([str(binaries / "ispyb-core"), "migrate"], env=environment, check=True, cwd=ROOT)
    database = Database({"url": url})
    factory = CoreFactory(database)
    group = factory.data_collection_group(factory.session(), experimentType="single particle")
    data_collection = factory.data_collection(group).uuid
    database.dispose()
    port = free_port()
    process = gunicorn("core", port, 1, environment)
    wait_healthy(port, process, "core")
    return process, port, data_collection


def load() -> str:
    """Load average: other work on the machine lowers the figures."""
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main() -> int:
    args = parse_args()
    load_before = load()
    rows_per_movie = 5 if args.full else 3
    with tempfile.TemporaryDirectory(prefix="bench-em-") as scratch:
        scratch_dir = Path(scratch)
        server = ThrowawayMariaDB(scratch_dir / "mariadb")
        server.start()
        core = em = None
        try:
            url = server.create_database("em_bench")
            version = subprocess.run(
                ["/usr/sbin/mariadbd", "--version"], capture_output=True, text=True
            ).stdout.strip()
            tokens = TestTokens(scratch_dir)
            core, core_port, data_collection = start_core(scratch_dir, tokens)
            port = free_port()
            environment = {
                **os.environ,
                "ISPYB_EM__DATABASE__URL": url,
                "ISPYB_EM__AUTH__JWKS_URL": "null",
                "ISPYB_EM__AUTH__PUBLIC_KEY_FILE": str(tokens.public_key_file),
                "ISPYB_EM__CORE__URL": f"http://127.0.0.1:{core_port}",
                "ISPYB_EM__LOGGING__LEVEL": "WARNING",
            }
            binaries = Path(sys.executable).parent
            subprocess.run(
                [str(binaries / "ispyb-em"), "migrate"], env=environment, check=True, cwd=ROOT
            )
            em = gunicorn("em", port, args.workers, environment)
            wait_healthy(port, em)
            token = tokens.machine("bench-pipeline", "em:write", "core:read")["Authorization"]
            programs = {}
            for key in ("motion", "ctf", "ice", "picking"):
                status, answer = post(
                    port,
                    f"{EM}/programs",
                    json.dumps({"dataCollectionUUID": data_collection}).encode(),
                    token,
                )
                assert status == 201, answer
                programs[key] = answer["autoProcProgramId"]
            bodies = [
                batch(
                    data_collection, 1 + i * args.batch_size, args.batch_size, programs, args.full
                )
                for i in range(args.batches)
            ]
            # One batch before timing: workers import and connect lazily.
            warm = batch(data_collection, 10_000_000, args.batch_size, programs, args.full)
            assert post(port, f"{EM}/movies/batch", warm, token)[0] == 201

            seconds, answers = send_all(port, bodies, token, args.clients)
            assert all(status == 201 for status, _ in answers), answers[:1]
            movies = args.batches * args.batch_size
            resend_seconds, resent = send_all(port, bodies, token, args.clients)
            assert all(
                status == 200 and answer["movies"]["created"] == 0 for status, answer in resent
            ), resent[:1]
        finally:
            for process in (em, core):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=30)
            server.stop()

    kb_per_batch = sum(len(body) for body in bodies) / len(bodies) / 1024
    print(f"machine:     {machine()}; load average before {load_before}, after {load()}")
    print(f"database:    {version} (throwaway, tests/support/mariadb.py settings)")
    print(
        f"setup:       em under gunicorn, {args.workers} workers; {args.clients} concurrent "
        f"clients on the same machine; {args.batches} batches of {args.batch_size} movies "
        f"({kb_per_batch:.0f} KiB of JSON each)"
    )
    print(
        "each movie:  movie + motion correction + CTF"
        + (" + relative ice thickness + particle picking" if args.full else "")
        + f" = {rows_per_movie} rows"
    )
    print(
        f"ingest:      {movies} movies in {seconds:.2f} s = {movies / seconds:,.0f} movies/s "
        f"({movies * rows_per_movie / seconds:,.0f} rows/s)"
    )
    print(
        f"resend:      {movies} movies in {resend_seconds:.2f} s = "
        f"{movies / resend_seconds:,.0f} movies/s checked, nothing stored twice"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
