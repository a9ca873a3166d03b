"""em asks core about data collections with the caller's own token: one call per request,
answers cached briefly per token (never shared), core's failures turned into 503/403/401
with nothing written."""

from __future__ import annotations

import uuid

import pytest

from ispyb_em.core_client import EMCoreClient
from ispyb_shared.auth import Forbidden, Unauthorized
from ispyb_shared.core_client import UUIDS_PER_QUERY, Credentials
from ispyb_shared.errors import ServiceUnavailable
from tests.em.conftest import em_config
from tests.em.support import EM, movie_records, row_counts
from tests.support.in_process import CORE_URL


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class Core:
    """The real core in-process (em_core) and the line em's client reaches it through."""

    def __init__(self, em_core, em_app):
        self.em_core = em_core
        self.line = em_core.line
        self.transport = em_app.extensions["em_core_client"].transport

    def __getattr__(self, name):  # add_data_collection, list_requests
        return getattr(self.em_core, name)

    def __setattr__(self, name, value):
        if name in {"answer_status", "answer_body", "delay_seconds"}:
            setattr(self.line, name, value)
        else:
            super().__setattr__(name, value)

    @property
    def extra_results(self):
        return self.line.extra_results

    def record(self, uuid: str, token: str) -> dict:
        answer = self.transport.get(
            f"{CORE_URL}/ispyb/api/v1/core/data-collections/{uuid}",
            headers={"Authorization": token},
        )
        return answer.json()


@pytest.fixture
def core(em_core, em_app):
    return Core(em_core, em_app)


class Client:
    """em's client, called the way em calls it (the caller's token and request id)."""

    def __init__(self, client: EMCoreClient):
        self.client = client

    def data_collections(self, uuids, *, authorization, request_id=None):
        return self.client.data_collections(uuids, Credentials(authorization, request_id))


def client_for(core, clock=None, **settings):
    options = {"url": CORE_URL, "timeout_seconds": 2, "cache_seconds": 30, **settings}
    return Client(EMCoreClient(**options, transport=core.transport, clock=clock or Clock()))


def test_the_callers_token_and_request_id_are_forwarded(core, tokens):
    visible = core.add_data_collection(members=("member",))
    hidden = core.add_data_collection(members=("someone",))
    token = tokens.user("member")["Authorization"]
    found = client_for(core).data_collections(
        [visible, hidden.upper()], authorization=token, request_id="req-1"
    )
    assert set(found) == {visible}
    assert found[visible]["dataCollectionGroupUUID"]
    (call,) = core.list_requests()
    assert call["authorization"] == token and call["requestId"] == "req-1"
    assert sorted(call["query"]["uuid.in"][0].split(",")) == sorted([visible, hidden])
    assert call["query"]["limit"] == ["1000"]


def test_answers_are_cached_per_token_and_only_positive_ones(core, tokens):
    clock = Clock()
    client = client_for(core, clock)
    dc = core.add_data_collection(members=("member", "other"))
    unknown = str(uuid.uuid4())
    member = tokens.user("member")["Authorization"]
    other = tokens.user("other")["Authorization"]
    assert set(client.data_collections([dc, unknown], authorization=member)) == {dc}
    assert set(client.data_collections([dc], authorization=member)) == {dc}
    assert len(core.list_requests()) == 1
    # Not visible (or not there yet) is asked again: it may exist a moment later.
    client.data_collections([unknown], authorization=member)
    assert len(core.list_requests()) == 2
    # Another token never uses the first one's answers.
    client.data_collections([dc], authorization=other)
    assert len(core.list_requests()) == 3
    clock.now += 31
    client.data_collections([dc], authorization=member)
    assert len(core.list_requests()) == 4


def test_no_cache_when_cache_seconds_is_zero(core, tokens):
    client = client_for(core, cache_seconds=0)
    dc = core.add_data_collection(members=("member",))
    member = tokens.user("member")["Authorization"]
    for _ in range(3):
        client.data_collections([dc], authorization=member)
    assert len(core.list_requests()) == 3


def test_the_cache_is_bounded(core, tokens):
    client = client_for(core, cache_entries=2)
    admin = tokens.admin()["Authorization"]
    collections = sorted(core.add_data_collection() for _ in range(3))
    client.data_collections(collections, authorization=admin)
    # Answers are remembered in UUID order: the first one is the oldest, and goes.
    client.data_collections(collections[1:], authorization=admin)
    assert len(core.list_requests()) == 1
    client.data_collections(collections[:1], authorization=admin)
    assert len(core.list_requests()) == 2


def test_many_uuids_are_asked_in_request_lines_gunicorn_accepts(core, tokens):
    collections = [core.add_data_collection() for _ in range(2 * UUIDS_PER_QUERY + 5)]
    found = client_for(core).data_collections(
        collections, authorization=tokens.admin()["Authorization"]
    )
    assert set(found) == set(collections)
    calls = core.list_requests()
    assert len(calls) == 3
    assert all(len(call["line"]) < 4094 for call in calls)


def test_an_answer_never_widens_what_was_asked(core, tokens):
    dc = core.add_data_collection()
    admin = tokens.admin()["Authorization"]
    core.extra_results.append({**core.record(dc, admin), "uuid": str(uuid.uuid4())})
    found = client_for(core).data_collections([dc], authorization=tokens.admin()["Authorization"])
    assert set(found) == {dc}


@pytest.mark.parametrize(
    "status, error", [(401, Unauthorized), (403, Forbidden), (500, ServiceUnavailable)]
)
def test_core_refusals_and_failures(core, tokens, status, error):
    core.answer_status = status
    with pytest.raises(error):
        client_for(core).data_collections(
            [str(uuid.uuid4())], authorization=tokens.admin()["Authorization"]
        )


def test_core_answering_nonsense_or_slowly_or_not_at_all(core, tokens):
    admin = tokens.admin()["Authorization"]
    core.answer_body = b"<html>gateway error</html>"
    with pytest.raises(ServiceUnavailable):
        client_for(core).data_collections([str(uuid.uuid4())], authorization=admin)
    core.answer_body = None
    core.delay_seconds = 1.0
    with pytest.raises(ServiceUnavailable):
        client_for(core, timeout_seconds=0.2).data_collections(
            [str(uuid.uuid4())], authorization=admin
        )
    core.delay_seconds = 0
    closed = Client(EMCoreClient(url="http://127.0.0.1:9", timeout_seconds=1, cache_seconds=30))
    with pytest.raises(ServiceUnavailable):
        closed.data_collections([str(uuid.uuid4())], authorization=admin)


def test_nothing_is_asked_for_nothing(core, tokens):
    assert client_for(core).data_collections([], authorization="Bearer x") == {}
    assert core.list_requests() == []


@pytest.fixture
def em_without_core(em_database_url, em_app):
    """em (same database) configured with a core that is not there."""
    from ispyb_em.app import create_app

    app = create_app(em_config(em_database_url, "http://127.0.0.1:9"))
    yield app
    app.extensions["ispyb_database"].dispose()


def test_core_down_is_503_and_nothing_is_written(em_without_core, em_db, world, tokens):
    before = row_counts(em_db)
    client = em_without_core.test_client()
    records = movie_records(world.dc, [1, 2], world.programs)
    response = client.post(f"{EM}/movies/batch", json={"records": records}, headers=world.pipeline)
    assert response.status_code == 503
    assert response.json["code"] == "SERVICE_UNAVAILABLE"
    assert row_counts(em_db) == before
    for path in (
        f"/data-collections/{world.dc}/summary",
        f"/programs?dataCollectionUUID={world.dc}",
        f"/programs/{world.programs['motion']}",
    ):
        response = client.get(EM + path, headers=tokens.user("member"))
        assert response.status_code == 503, path
        assert response.json["code"] == "SERVICE_UNAVAILABLE"
