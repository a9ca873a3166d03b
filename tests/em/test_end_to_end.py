"""The issue's "done when", for real: auth, core and em each migrated and started under
gunicorn on free ports, em on MariaDB (the ingestion claim is about MariaDB), core and auth
on SQLite; a pipeline logs in to auth with client credentials and a person with a
password; em asks the real core who may see the demo data collection.

A pipeline ingests 1,000 movies with their results in one batch and resends it (nothing is
stored twice); frank (PI of cm1003) reads the summary, a histogram and the per-movie series
page by page; the numbers are checked against values computed here.

Needs core's data-collection endpoints and core's demo data collection
(ispyb_em.demo.DEMO_DATA_COLLECTION_UUID in session cm1003-1).
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ispyb_em.demo import DEMO_DATA_COLLECTION_UUID
from tests.em.support import EM, movie_records
from tests.gateway.support import free_port, request

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
AUTH = "/ispyb/api/v1/auth"
MOVIES = 1000


class Service:
    """One service: migrated (and seeded), then run by gunicorn like `make run` does."""

    def __init__(self, name: str, env: dict, log_dir: Path, *, seed: bool, workers: int = 1):
        self.name = name
        self.port = free_port()
        self.env = env
        self.log = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None
        commands = ["migrate", "seed-demo"] if seed else ["migrate"]
        for command in commands:
            subprocess.run(
                [str(BIN / f"ispyb-{name}"), command],
                env=env,
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
        self.workers = workers

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Service:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--timeout",
                    "120",
                    f"ispyb_{self.name}.app:create_app()",
                ],
                env=self.env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            try:
                if self.call("GET", f"/ispyb/api/v1/{self.name}/health").status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name} did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def call(self, method: str, path: str, body=None, token: str | None = None):
        headers = {"Content-Type": "application/json"} if body is not None else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        return request(self.port, method, path, headers=headers, body=data, timeout=120)


@pytest.fixture(scope="module")
def stack(tmp_path_factory, mariadb):
    """Real auth, core (SQLite) and em (MariaDB), each under gunicorn."""
    var = tmp_path_factory.mktemp("e2e")
    base = {key: value for key, value in os.environ.items() if not key.startswith("ISPYB_")}
    services = []
    try:
        auth = Service(
            "auth",
            {**base, "ISPYB_AUTH__DATABASE__URL": f"sqlite:///{var}/auth.sqlite"},
            var,
            seed=True,
        ).start()
        services.append(auth)
        jwks = f"{auth.url}{AUTH}/.well-known/jwks.json"
        core = Service(
            "core",
            {
                **base,
                "ISPYB_CORE__DATABASE__URL": f"sqlite:///{var}/core.sqlite",
                "ISPYB_CORE__AUTH__JWKS_URL": jwks,
            },
            var,
            seed=True,
        ).start()
        services.append(core)
        em = Service(
            "em",
            {
                **base,
                "ISPYB_EM__DATABASE__URL": mariadb.create_database("em_e2e"),
                "ISPYB_EM__AUTH__JWKS_URL": jwks,
                "ISPYB_EM__CORE__URL": core.url,
            },
            var,
            seed=False,
            workers=2,
        ).start()
        services.append(em)
        yield {"auth": auth, "core": core, "em": em}
    finally:
        for service in reversed(services):
            service.stop()


def pipeline_token(auth: Service) -> str:
    response = auth.call(
        "POST",
        f"{AUTH}/token",
        {"client_id": "demo-pipeline", "client_secret": "demo-pipeline-secret"},
    )
    assert response.status == 200, response.body
    assert {"em:write", "core:read"} <= set(response.json()["scope"].split())
    return response.json()["access_token"]


def login(auth: Service, person: str) -> str:
    response = auth.call(
        "POST",
        f"{AUTH}/login",
        {"plugin": "local", "username": person, "password": f"demo-{person}"},
    )
    assert response.status == 200, response.body
    return response.json()["access_token"]


@pytest.fixture(scope="module")
def ingested(stack):
    """The pipeline's program runs and 1,000 movies with results, sent twice."""
    em = stack["em"]
    token = pipeline_token(stack["auth"])
    programs = {}
    for key in ("motion", "ctf", "ice", "picking"):
        response = em.call(
            "POST", f"{EM}/programs", {"dataCollectionUUID": DEMO_DATA_COLLECTION_UUID}, token
        )
        assert response.status == 201, response.body
        programs[key] = response.json()["autoProcProgramId"]
    records = movie_records(DEMO_DATA_COLLECTION_UUID, range(1, MOVIES + 1), programs, seed=8)
    first = em.call("POST", f"{EM}/movies/batch", {"records": records}, token)
    resend = em.call("POST", f"{EM}/movies/batch", {"records": records}, token)
    return {"records": records, "first": first, "resend": resend, "token": token}


def test_a_batch_of_1000_is_stored_once_and_a_resend_stores_nothing(ingested, stack):
    first, resend = ingested["first"], ingested["resend"]
    assert first.status == 201, first.body
    kinds = ("movies", "motionCorrections", "ctfs", "relativeIceThicknesses", "particlePickers")
    for kind in kinds:
        assert first.json()[kind] == {"created": MOVIES, "existing": 0}, kind
    assert resend.status == 200, resend.body
    for kind in kinds:
        assert resend.json()[kind] == {"created": 0, "existing": MOVIES}, kind
    assert resend.json()["records"] == first.json()["records"]


def test_the_summary_matches_an_independent_computation(ingested, stack):
    records = ingested["records"]
    frank = login(stack["auth"], "frank")
    response = stack["em"].call(
        "GET", f"{EM}/data-collections/{DEMO_DATA_COLLECTION_UUID}/summary", token=frank
    )
    assert response.status == 200, response.body
    summary = response.json()
    for kind in ("movies", "motionCorrections", "ctfs", "relativeIceThicknesses"):
        assert summary[kind] == MOVIES, kind  # no duplicates after the resend
    assert summary["particlesPicked"] == sum(
        r["particlePicker"]["numberOfParticles"] for r in records
    )
    for name, values in {
        "totalMotion": [r["motionCorrection"]["totalMotion"] for r in records],
        "estimatedDefocus": [r["ctf"]["estimatedDefocus"] for r in records],
        "estimatedResolution": [r["ctf"]["estimatedResolution"] for r in records],
        "relativeIceThickness.median": [r["relativeIceThickness"]["median"] for r in records],
    }.items():
        actual = summary["statistics"][name]
        cuts = statistics.quantiles(values, n=100, method="inclusive")
        assert actual["count"] == MOVIES
        assert actual["mean"] == pytest.approx(statistics.fmean(values), rel=1e-9), name
        assert actual["median"] == pytest.approx(statistics.median(values), rel=1e-9), name
        assert actual["min"] == min(values) and actual["max"] == max(values), name
        for p in (5, 25, 75, 95):
            assert actual[f"p{p}"] == pytest.approx(cuts[p - 1], rel=1e-9), (name, p)


def test_a_histogram(ingested, stack):
    values = [r["ctf"]["estimatedDefocus"] for r in ingested["records"]]
    frank = login(stack["auth"], "frank")
    response = stack["em"].call(
        "GET",
        f"{EM}/data-collections/{DEMO_DATA_COLLECTION_UUID}/histogram"
        "?field=estimatedDefocus&bins=25",
        token=frank,
    )
    assert response.status == 200, response.body
    histogram = response.json()
    low, high = min(values), max(values)
    width = (high - low) / 25
    expected = [0] * 25
    for value in values:
        expected[min(int((value - low) / width), 24)] += 1
    assert [bucket["count"] for bucket in histogram["buckets"]] == expected
    assert histogram["unit"] == "Å"


def test_pages_of_the_series(ingested, stack):
    frank = login(stack["auth"], "frank")
    numbers, after = [], None
    while True:
        query = "limit=100" + (f"&after={after}" if after is not None else "")
        response = stack["em"].call(
            "GET", f"{EM}/data-collections/{DEMO_DATA_COLLECTION_UUID}/movies?{query}", token=frank
        )
        assert response.status == 200, response.body
        page = response.json()
        numbers += [movie["movieNumber"] for movie in page["results"]]
        if page["next"] is None:
            break
        after = page["next"]["after"]
    assert numbers == list(range(1, MOVIES + 1))


def test_core_decides_who_reads_and_only_writers_write(ingested, stack):
    em = stack["em"]
    summary = f"{EM}/data-collections/{DEMO_DATA_COLLECTION_UUID}/summary"
    grace = login(stack["auth"], "grace")  # co-investigator of cm1003
    alice = login(stack["auth"], "alice")  # another proposal's PI
    assert em.call("GET", summary, token=grace).status == 200
    assert em.call("GET", summary, token=alice).status == 404
    assert em.call("GET", summary).status == 401
    refused = em.call("POST", f"{EM}/movies/batch", {"records": ingested["records"][:1]}, alice)
    assert refused.status == 403


def test_an_atlas_takes_its_grid_from_core(ingested, stack):
    em, core = stack["em"], stack["core"]
    created = em.call(
        "POST",
        f"{EM}/atlases",
        {
            "dataCollectionUUID": DEMO_DATA_COLLECTION_UUID,
            "atlasImage": "/dls/m02/data/2026/cm1003-1/atlas/Atlas_1.jpg",
            "pixelSize": 1200.0,
        },
        ingested["token"],
    )
    assert created.status == 201, created.body
    frank = login(stack["auth"], "frank")
    data_collection = core.call(
        "GET", f"/ispyb/api/v1/core/data-collections/{DEMO_DATA_COLLECTION_UUID}", token=frank
    ).json()
    assert created.json()["dataCollectionGroupUUID"] == data_collection["dataCollectionGroupUUID"]
