"""The authorization matrix of compat: every route and every kind of caller gets exactly
the answer documented in docs/compat.md (and docs/authorization.md's compat section).
compat decides nothing itself: it asks core with the caller's own token, so each answer
is core's decision (the real core, in-process) reshaped: a route never shows what core
would not show the caller."""

from __future__ import annotations

import pytest

from tests.compat.conftest import PREFIX

CALLERS = {
    "anonymous": lambda tokens: {},
    "outsider": lambda tokens: tokens.user("outsider"),
    "member": lambda tokens: tokens.user("member"),
    "staff": lambda tokens: tokens.user("frank", "staff"),
    "staff-i04": lambda tokens: tokens.user("heidi", "staff", beamlines=["i04"]),
    "admin": lambda tokens: tokens.user("root", "admin"),
    "core-reader": lambda tokens: tokens.machine("core-reader", "core:read"),
    "no-scope-client": lambda tokens: tokens.machine("other", "em:read"),
}


def expect(outsider, member, staff, staff_i04, admin, core_reader, no_scope, anonymous=401):
    return {
        "anonymous": anonymous,
        "outsider": outsider,
        "member": member,
        "staff": staff,
        "staff-i04": staff_i04,
        "admin": admin,
        "core-reader": core_reader,
        "no-scope-client": no_scope,
    }


# A list answers 200 with what the caller may see (the visibility test below checks what).
LIST = expect(200, 200, 200, 200, 200, 200, 403)
# One row of mx1 (session on i03, member 'member').
ONE = expect(404, 200, 200, 404, 200, 200, 403)
ANYONE = expect(*[200] * 7)
OPEN = expect(*[200] * 7, anonymous=200)

# name: (method, path(world), expected)
MATRIX = {
    "auth config": ("get", lambda w: "/pyispyb/auth/config", OPEN),
    "user current": ("get", lambda w: "/pyispyb/user/current", ANYONE),
    "options ui": ("get", lambda w: "/pyispyb/options/ui", ANYONE),
    "proposals": ("get", lambda w: "/pyispyb/proposals", LIST),
    "sessions": ("get", lambda w: "/pyispyb/sessions", LIST),
    "session": ("get", lambda w: f"/pyispyb/sessions/{w.mx1_1.sessionId}", ONE),
    "events": ("get", lambda w: f"/pyispyb/events?sessionId={w.mx1_1.sessionId}", LIST),
    "events of a group": (
        "get",
        lambda w: f"/pyispyb/events?dataCollectionGroupId={w.group.dataCollectionGroupId}",
        ONE,
    ),
    "event types": ("get", lambda w: f"/pyispyb/events/types?sessionId={w.mx1_1.sessionId}", LIST),
    "samples": ("get", lambda w: "/pyispyb/samples", LIST),
    "stats breakdown": (
        "get",
        lambda w: f"/pyispyb/stats/breakdown?sessionId={w.mx1_1.sessionId}",
        ONE,
    ),
    "stats times": ("get", lambda w: f"/pyispyb/stats/times?sessionId={w.mx1_1.sessionId}", ONE),
    "stats errors": ("get", lambda w: f"/pyispyb/stats/errors?sessionId={w.mx1_1.sessionId}", ONE),
    "stats hourlies": (
        "get",
        lambda w: f"/pyispyb/stats/hourlies?sessionId={w.mx1_1.sessionId}",
        ONE,
    ),
    "processing status": (
        "get",
        lambda w: f"/pyispyb/processings/status?dataCollectionIds=[{w.dcs[0].dataCollectionId}]",
        LIST,
    ),
    "proteins": ("get", lambda w: "/pyispyb/proteins", LIST),
    # py-ispyb-ui's data-collection card (tests/compat/test_contract_pyispyb_processings.py)
    "processings": (
        "get",
        lambda w: f"/pyispyb/processings?dataCollectionId={w.dcs[0].dataCollectionId}",
        ONE,
    ),
    "auto-integrations": (
        "get",
        lambda w: (
            f"/pyispyb/processings/auto-integrations?dataCollectionId={w.dcs[0].dataCollectionId}"
        ),
        ONE,
    ),
    "screenings": (
        "get",
        lambda w: f"/pyispyb/processings/screenings?dataCollectionId={w.dcs[0].dataCollectionId}",
        LIST,
    ),
    "processing attachments": (
        "get",
        lambda w: (
            "/pyispyb/processings/attachments?autoProcProgramId="
            f"{processing(w)[0].autoProcProgramId}"
        ),
        ONE,
    ),
    # with core serving files (the test sets files.roots): a redirection to its signed URL
    "processing attachment file": (
        "get",
        lambda w: (
            f"/pyispyb/processings/attachments/{processing(w)[2][0].autoProcProgramAttachmentId}"
        ),
        expect(404, 302, 302, 404, 302, 302, 403),
    ),
    "processing message statuses": (
        "get",
        lambda w: (
            f"/pyispyb/processings/messages/status?dataCollectionIds=[{w.dcs[0].dataCollectionId}]"
        ),
        LIST,
    ),
    # compatevents: every kind of event, a beamline group's sessions (core's options name
    # the group: see the test), statistics by run (compat's runs are set: see the test),
    # the histogram and the runs (compat's setting: no call to core)
    "events of every kind": (
        "get",
        lambda w: f"/pyispyb/events?sessionId={w.mx1_1.sessionId}&eventType=robot",
        LIST,
    ),
    "sessions of a group": ("get", lambda w: "/pyispyb/sessions/group?beamLineGroup=MX", LIST),
    "stats breakdown of a run": (
        "get",
        lambda w: "/pyispyb/stats/breakdown?beamLineName=i03&runId=1",
        LIST,
    ),
    "stats times of a proposal": ("get", lambda w: "/pyispyb/stats/times?proposal=mx1", LIST),
    "parameter histogram": (
        "get",
        lambda w: f"/pyispyb/stats/parameters/histogram?sessionId={w.mx1_1.sessionId}",
        ONE,
    ),
    "runs": ("get", lambda w: "/pyispyb/stats/runs", ANYONE),
    # py-ispyb-ui's shipment and contact pages (tests/compat/test_shipping.py; its writes'
    # matrix is there too)
    "shippings": ("get", lambda w: "/pyispyb/shippings?proposal=mx1", LIST),
    "shipping": ("get", lambda w: f"/pyispyb/shippings/{shipping(w).shipment.shippingId}", ONE),
    "labcontacts": ("get", lambda w: "/pyispyb/labcontacts?proposal=mx1", LIST),
    "labcontact": ("get", lambda w: f"/pyispyb/labcontacts/{shipping(w).card.labContactId}", ONE),
    "pyispyb openapi": ("get", lambda w: "/pyispyb/openapi.json", OPEN),
    # workflow steps and processing messages (tests/compat/test_contract_pyispyb_workflows.py)
    "workflow steps": (
        "get",
        lambda w: (
            f"/pyispyb/datacollections/workflows/steps?workflowId={workflow(w)[0].workflowId}"
        ),
        LIST,
    ),
    "workflow step file": (
        "get",
        lambda w: (
            f"/pyispyb/datacollections/workflows/steps/{workflow(w)[1][0].workflowStepId}"
            "?attachmentType=imageResultFilePath"
        ),
        expect(404, 302, 302, 404, 302, 302, 403),
    ),
    "processing messages": (
        "get",
        lambda w: f"/pyispyb/processings/messages?dataCollectionId={w.dcs[0].dataCollectionId}",
        LIST,
    ),
    "health": ("get", lambda w: "/health", OPEN),
    "ready": ("get", lambda w: "/ready", OPEN),
    "metrics": ("get", lambda w: "/metrics", OPEN),
    "swagger": ("get", lambda w: "/swagger.json", OPEN),
    "openapi": ("get", lambda w: "/openapi.json", OPEN),
    "swagger ui": ("get", lambda w: "/docs", OPEN),
    "api root": ("get", lambda w: "/", expect(*[302] * 7, anonymous=302)),
}


def processing(w):
    """The first sweep's processing runs and files (made once per world)."""
    if not hasattr(w, "processing"):
        from tests.compat.test_contract_pyispyb_processings import processing_world

        w.processing = processing_world(w, w.factory)
    return w.processing


def shipping(w):
    """mx1's contact card and shipment (made once per world)."""
    from tests.compat.test_shipping import shipping_world

    return shipping_world(w, w.factory)


def workflow(w):
    """A workflow of a group of mx1-1 with two steps (made once per world)."""
    if not hasattr(w, "workflow"):
        from tests.compat.test_contract_pyispyb_workflows import workflow_of

        w.workflow = workflow_of(w.factory, w)
    return w.workflow


# Login and refresh are public (their answers: tests/compat/test_contract_pyispyb_ui.py,
# tests/compat/test_java.py).
PUBLIC_WRITES = {
    ("POST", f"{PREFIX}/pyispyb/auth/login"),
    ("POST", f"{PREFIX}/pyispyb/auth/refresh"),
    ("POST", f"{PREFIX}/java/authenticate"),
}

# The Java dialect: the token is in the path, and only a compat-java one is accepted (an
# ordinary token, or none, is 401 whatever the route).
JAVA_CALLERS = {
    "outsider": lambda tokens: tokens.mint("outsider", purpose="compat-java"),
    "member": lambda tokens: tokens.mint("member", purpose="compat-java"),
    "staff": lambda tokens: tokens.mint("frank", roles=["staff"], purpose="compat-java"),
    "staff-i04": lambda tokens: tokens.mint(
        "heidi", roles=["staff"], beamlines=["i04"], purpose="compat-java"
    ),
    "admin": lambda tokens: tokens.mint("root", roles=["admin"], purpose="compat-java"),
    "ordinary-token": lambda tokens: tokens.mint("root", roles=["admin"]),
    "no-token": lambda tokens: "-",
}


def java_expect(outsider, member, staff, staff_i04, admin):
    return {
        "outsider": outsider,
        "member": member,
        "staff": staff,
        "staff-i04": staff_i04,
        "admin": admin,
        "ordinary-token": 401,
        "no-token": 401,
    }


JAVA_LIST = java_expect(200, 200, 200, 200, 200)
JAVA_ONE = java_expect(404, 200, 200, 404, 200)
JAVA_MATRIX = {
    "session list": (lambda w: "/session/list", JAVA_LIST),
    "proposal list": (lambda w: "/proposal/list", JAVA_LIST),
    "proposal info": (lambda w: "/proposal/mx1/info/get", JAVA_ONE),
    "proposal sessions": (lambda w: "/proposal/mx1/session/list", JAVA_LIST),
    "sessions between": (lambda w: "/proposal/session/date/20000101/20991231/list", JAVA_LIST),
    "session data collections": (
        lambda w: f"/proposal/mx1/mx/datacollection/session/{w.mx1_1.sessionId}/list",
        JAVA_LIST,
    ),
    "data collection": (
        lambda w: f"/proposal/mx1/mx/datacollection/{w.dcs[0].dataCollectionId}/list",
        JAVA_ONE,
    ),
}


@pytest.mark.parametrize("caller", list(JAVA_CALLERS))
@pytest.mark.parametrize("operation", list(JAVA_MATRIX))
def test_java_authorization_matrix(compat, world, tokens, operation, caller):
    path, expected = JAVA_MATRIX[operation]
    token = JAVA_CALLERS[caller](tokens)
    answer = compat.get(f"{PREFIX}/java/{token}{path(world)}")
    assert answer.status_code == expected[caller], (operation, caller, answer.get_json())
    if answer.status_code >= 400:
        assert answer.get_json()["code"] in {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"}
    elif caller in ("outsider", "staff-i04"):
        text = answer.get_data(as_text=True)
        assert "Lysozyme" not in text and f'"sessionId": {world.mx1_1.sessionId},' not in text


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_java_routes_only_read(compat, world, tokens, method):
    token = JAVA_CALLERS["admin"](tokens)
    answer = getattr(compat, method)(f"{PREFIX}/java/{token}/session/list")
    assert answer.status_code == 405


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("operation", list(MATRIX))
def test_authorization_matrix(
    compat_app, core_app, compat, world, tokens, operation, caller, monkeypatch
):
    method, path, expected = MATRIX[operation]
    if operation == "auth config":
        compat_app.extensions["test_auth"].answers["/config"] = (200, {"plugins": []})
    if operation in ("processing attachment file", "workflow step file"):
        from tests.compat.test_contract_pyispyb_processings import serve_files

        serve_files(core_app, monkeypatch)
    if operation == "sessions of a group":
        core_app.test_client().patch(
            "/ispyb/api/v1/core/options/ui",
            json={"beamlineGroups": [{"name": "MX", "beamlines": ["i03", "i04"]}]},
            headers=CALLERS["staff"](tokens),
        )
    if operation == "stats breakdown of a run":
        from tests.compat.test_compatevents import RUNS

        monkeypatch.setitem(compat_app.config["ISPYB_CONFIG"], "pyispyb_runs", RUNS)
    answer = getattr(compat, method)(PREFIX + path(world), headers=CALLERS[caller](tokens))
    assert answer.status_code == expected[caller], (operation, caller, answer.get_json())
    if answer.status_code >= 400:
        body = answer.get_json()
        assert body["code"] in {"UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND"}
        assert body["detail"] == body["message"]


def test_every_compat_route_is_in_the_matrix(compat_app, world):
    """A new route cannot be added without deciding who may call it (the mxcubecore
    writes of the compat-mxcube lane add their rows to this matrix)."""
    adapter = compat_app.url_map.bind("localhost")
    covered = (
        {
            (
                method.upper(),
                adapter.match(
                    PREFIX + path(world).split("?")[0], method=method.upper(), return_rule=True
                )[0].rule,
            )
            for method, path, _expected in MATRIX.values()
        }
        | PUBLIC_WRITES
        | beamline_routes(compat_app)
        | ssx_client_routes()
        | datacollection_image_routes(compat_app)
        | shipping_write_routes(compat_app)
        | detector_image_routes(compat_app)
        | dcquality_routes(compat_app)
        | sample_routes(compat_app)
    )
    covered |= {
        (
            "GET",
            adapter.match(f"{PREFIX}/java/t" + path(world), method="GET", return_rule=True)[0].rule,
        )
        for path, _expected in JAVA_MATRIX.values()
    }
    served = {
        (method, rule.rule)
        for rule in compat_app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX) and "swaggerui" not in rule.rule
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert served - covered == set()


def dcquality_routes(compat_app) -> set[tuple[str, str]]:
    """py-ispyb-ui's per-image analysis and data-collection files: their matrix is
    tests/compat/test_contract_pyispyb_dcquality.py (against a core that serves files)."""
    from tests.compat.test_contract_pyispyb_dcquality import dcquality_routes as routes

    return routes(compat_app)


def ssx_client_routes() -> set[tuple[str, str]]:
    """mxcubecore's SSX client's routes: their matrix is tests/compat/test_mxcube_ssx.py
    (its login is public, as the dialect's)."""
    from tests.compat.test_mxcube_ssx import MATRIX as SSX_CLIENT
    from tests.compat.test_mxcube_ssx import SSX_ROOT

    return {(method, path) for method, path, _expected in SSX_CLIENT.values()} | {
        ("POST", f"{SSX_ROOT}/auth/login")
    }


def datacollection_image_routes(compat_app) -> set[tuple[str, str]]:
    """The data-collection image redirects: their matrix is
    tests/compat/test_datacollections.py (against a core that serves files)."""
    from tests.compat.test_datacollections import MATRIX as IMAGES

    adapter = compat_app.url_map.bind("localhost")
    ids = type("World", (), {"dcs": [type("Dc", (), {"dataCollectionId": 1})]})
    return {
        ("GET", adapter.match(PREFIX + path(ids), method="GET", return_rule=True)[0].rule)
        for path in IMAGES.values()
    }


def detector_image_routes(compat_app) -> set[tuple[str, str]]:
    """py-ispyb's /data/images routes: their matrix is tests/compat/test_h5images.py
    (against a core that serves detector files)."""
    from tests.compat.test_h5images import MATRIX as DETECTOR_IMAGES

    adapter = compat_app.url_map.bind("localhost")
    ids = type("World", (), {"dcs": [type("Dc", (), {"dataCollectionId": 1})]})
    return {
        (
            "GET",
            adapter.match(PREFIX + path(ids).split("?")[0], method="GET", return_rule=True)[0].rule,
        )
        for path, _expected in DETECTOR_IMAGES.values()
    }


def beamline_routes(compat_app) -> set[tuple[str, str]]:
    """mxcubecore's write routes: their matrix is tests/compat/test_beamline_writes.py."""
    from tests.compat.test_beamline_writes import MATRIX as BEAMLINE

    adapter = compat_app.url_map.bind("localhost")
    return {
        (
            method,
            adapter.match(
                f"{PREFIX}/pyispyb"
                + template.partition("?")[0].format(session=1, collection=1, sample=1),
                method=method,
                return_rule=True,
            )[0].rule,
        )
        for method, template, _body, _expected in BEAMLINE.values()
    }


@pytest.mark.parametrize("caller", ["outsider", "staff-i04"])
def test_what_core_hides_compat_hides(compat, world, tokens, caller):
    headers = CALLERS[caller](tokens)
    for path in (
        "/proposals",
        "/sessions",
        "/samples",
        f"/events?sessionId={world.mx1_1.sessionId}",
        f"/processings/status?dataCollectionIds=[{world.dcs[0].dataCollectionId}]",
        f"/processings/messages/status?dataCollectionIds=[{world.dcs[0].dataCollectionId}]",
        f"/processings?dataCollectionId={world.dcs[0].dataCollectionId}",
        f"/processings/auto-integrations?dataCollectionId={world.dcs[0].dataCollectionId}",
    ):
        text = compat.get(f"{PREFIX}/pyispyb{path}", headers=headers).get_data(as_text=True)
        assert "mx1-1" not in text and "Lysozyme" not in text, (caller, path)
        assert f'"blSampleId": {world.sample.blSampleId},' not in text
        assert f'"{world.dcs[0].dataCollectionId}":' not in text


def shipping_write_routes(compat_app) -> set[tuple[str, str]]:
    """The shipment, contact and options writes (and GET /options): their matrix is
    tests/compat/test_shipping.py."""
    from tests.compat.test_shipping import write_routes

    return write_routes(compat_app)


def sample_routes(compat_app) -> set[tuple[str, str]]:
    """The sample editor's routes and the sample changer's list: their matrix is
    tests/compat/test_samples.py (against an ssx in-process: components, vocabularies)."""
    from tests.compat.test_samples import sample_routes as routes

    return routes(compat_app)
