"""What ssx sends its database per request: a list at most 2 round trips, an item 1, no
transaction control on reads (tests/core/test_round_trips.py has the rules). What ssx
asks core (visibility, a session's data collections) is HTTP and core's own statements."""

import pytest

from tests.ssx.conftest import SSX
from tests.ssx.test_components import make_component
from tests.support.round_trips import sent_to


@pytest.fixture
def ssx_db(ssx_app):
    return ssx_app.extensions["ispyb_database"]


def _get(ssx_app, ssx_db, path, headers):
    with sent_to(ssx_db) as sent:
        response = ssx_app.test_client().get(SSX + path, headers=headers)
    assert response.status_code == 200, (path, response.get_json())
    assert sent.transaction_control() == [], f"{path}:\n{sent!r}"
    return response.get_json(), sent


@pytest.mark.parametrize("path", ["/component-types", "/concentration-types", "/components"])
def test_a_list_is_at_most_two_round_trips(ssx_app, ssx_db, world, tokens, path):
    make_component(ssx_app, world, tokens.admin())
    proposal = f"proposalUUID={world.mx1.uuid}&" if path == "/components" else ""
    for limit in (1, 25):
        body, sent = _get(ssx_app, ssx_db, f"{path}?{proposal}limit={limit}", tokens.admin())
        assert body["results"]
        assert sent.count <= 2, sent


def test_an_item_is_one_round_trip(ssx_app, ssx_db, world, tokens):
    component = make_component(ssx_app, world, tokens.admin())
    _body, sent = _get(ssx_app, ssx_db, f"/components/{component['uuid']}", tokens.admin())
    assert sent.count == 1, sent
