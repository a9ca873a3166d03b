"""``/options/ui``: the front ends' options in ISPyB's AdminVar table (docs/front-ends.md)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.support.checks import names_field

CORE = "/ispyb/api/v1/core"
OPTIONS = f"{CORE}/options/ui"


def as_user(core_app, tokens, login, *roles, beamlines=()):
    client = core_app.test_client()
    header = tokens.user(login, *roles, beamlines=beamlines)["Authorization"]
    client.environ_base["HTTP_AUTHORIZATION"] = header
    return client


def stored(core_db) -> list[tuple[str, str]]:
    from ispyb_core.models import AdminVar

    with core_db.read_sessionmaker() as session:
        rows = session.execute(select(AdminVar).order_by(AdminVar.varId)).scalars()
        return [(row.name, row.value) for row in rows]


def test_options_are_empty_until_staff_set_them(core_app, tokens):
    user = as_user(core_app, tokens, "someone")
    response = user.get(OPTIONS)
    assert response.status_code == 200
    assert response.json == {"messageOfTheDay": None, "siteName": None, "beamlineGroups": []}


def test_staff_set_options_and_every_caller_reads_them(core_app, tokens, core_db):
    staff = as_user(core_app, tokens, "frank", "staff")
    groups = [{"name": "MX", "beamlines": ["i03", "i04"]}, {"name": "EM", "beamlines": ["m01"]}]
    response = staff.patch(
        OPTIONS,
        json={
            "messageOfTheDay": "Beam down Tuesday",
            "siteName": "Diamond",
            "beamlineGroups": groups,
        },
    )
    assert response.status_code == 200
    assert response.json == {
        "messageOfTheDay": "Beam down Tuesday",
        "siteName": "Diamond",
        "beamlineGroups": groups,
    }
    reader = as_user(core_app, tokens, "someone")
    assert reader.get(OPTIONS).json == response.json
    # A PATCH changes only what it names; null clears the message.
    response = staff.patch(OPTIONS, json={"messageOfTheDay": None})
    assert response.json == {
        "messageOfTheDay": None,
        "siteName": "Diamond",
        "beamlineGroups": groups,
    }
    names = [name for name, _value in stored(core_db)]
    assert sorted(names) == ["ui.beamlineGroups", "ui.messageOfTheDay", "ui.siteName"]


def test_a_site_row_with_several_copies_or_bad_json_is_read_safely(core_app, tokens, core_db):
    from ispyb_core.models import AdminVar

    with core_db.sessionmaker() as session, session.begin():
        session.add_all(
            [
                AdminVar(name="ui.siteName", value="First"),
                AdminVar(name="ui.siteName", value="Second"),
                AdminVar(name="ui.beamlineGroups", value="not json"),
                AdminVar(name="schemaVersion", value="4.0.0"),
            ]
        )
    staff = as_user(core_app, tokens, "frank", "staff")
    body = staff.get(OPTIONS).json
    assert body["siteName"] == "First" and body["beamlineGroups"] == []
    assert staff.patch(OPTIONS, json={"siteName": "Renamed"}).json["siteName"] == "Renamed"
    values = stored(core_db)
    assert ("ui.siteName", "Renamed") in values and ("ui.siteName", "Second") in values
    assert ("schemaVersion", "4.0.0") in values  # other settings are left alone


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"siteName": ""}, "siteName"),
        ({"siteName": 3}, "siteName"),
        ({"messageOfTheDay": "x" * 1025}, "messageOfTheDay"),
        ({"beamlineGroups": [{"name": "MX"}]}, "beamlineGroups"),
        ({"beamlineGroups": [{"name": "MX", "beamlines": ["i 03"]}]}, "beamlineGroups"),
        ({"beamlineGroups": [{"name": "MX", "beamlines": []}] * 2}, "beamlineGroups"),
        (
            {"beamlineGroups": [{"name": f"G{i}", "beamlines": ["i03"] * 10} for i in range(20)]},
            "beamlineGroups",
        ),
        ({"beamlineGroups": "MX"}, "beamlineGroups"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_options_are_refused_naming_the_field_and_nothing_is_written(
    core_app, tokens, core_db, body, field
):
    staff = as_user(core_app, tokens, "frank", "staff")
    response = staff.patch(
        OPTIONS, json={"siteName": "Kept", **body} if field != "siteName" else body
    )
    assert response.status_code in (400, 422), response.json
    assert names_field(response.json["details"], field), response.json
    assert stored(core_db) == []


def test_only_staff_of_every_beamline_and_admins_change_options(core_app, tokens, core_db):
    for client in (
        as_user(core_app, tokens, "member"),
        as_user(core_app, tokens, "grace", "staff", beamlines=["i04"]),
    ):
        response = client.patch(OPTIONS, json={"siteName": "Mine"})
        assert response.status_code == 403
        assert response.json["code"] == "FORBIDDEN"
    # Forbidden before the body is read: a bad body from a non-editor is still 403.
    member = as_user(core_app, tokens, "member")
    assert member.patch(OPTIONS, json={"siteName": ""}).status_code == 403
    assert stored(core_db) == []
    admin = as_user(core_app, tokens, "root", "admin")
    assert admin.patch(OPTIONS, json={"siteName": "Ours"}).status_code == 200


def test_options_need_a_token(anonymous):
    response = anonymous.get(OPTIONS)
    assert response.status_code == 401
