"""The unified docs page in a real browser, through the local gateway of `make run`.

A site that deploys core and em only (no ssx, no auth): the page lists those two, and
each one's Swagger UI loads its assets and its OpenAPI document through the gateway and
renders its operations.
"""

from __future__ import annotations

import time

import pytest

from tests.gateway.support import RunningStack
from tests.gateway.webdriver import Browser

SELECTION = ["core", "em"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(tmp_path_factory.mktemp("docs-var"), SELECTION, tokens)
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    browser = Browser(tmp_path_factory.mktemp("chromium"))
    yield browser
    browser.close()


def test_docs_page_lists_only_the_deployed_services(stack, browser):
    base = f"http://127.0.0.1:{stack.gateway_port}"
    browser.open(f"{base}/ispyb/api/v1/docs")
    rows = browser.wait_for("tr.service")
    names = [browser.text(row).split()[0] for row in rows]
    assert names == SELECTION
    links = {browser.property(a, "href") for a in browser.find_all("a")}
    for name in SELECTION:
        assert f"{base}/ispyb/api/v1/{name}/docs" in links
        assert f"{base}/ispyb/api/v1/{name}/swagger.json" in links
    assert not any("/ssx/" in link or "/auth/" in link for link in links)


@pytest.mark.parametrize("service", SELECTION)
def test_each_swagger_ui_renders_its_operations_through_the_gateway(stack, browser, service):
    base = f"http://127.0.0.1:{stack.gateway_port}"
    browser.open(f"{base}/ispyb/api/v1/docs")
    link = next(
        a
        for a in browser.wait_for("a.swagger-ui")
        if browser.property(a, "href") == f"{base}/ispyb/api/v1/{service}/docs"
    )
    browser.click(link)
    # Operations are grouped by tag, collapsed (docExpansion: none): open every group.
    tags = browser.wait_for(".opblock-tag")
    assert browser.current_url() == f"{base}/ispyb/api/v1/{service}/docs"
    for tag in tags:
        browser.click(tag)
    operations = browser.wait_for(".opblock")
    paths = {browser.text(p) for p in browser.find_all(".opblock-summary-path")}
    assert any(path.endswith("/health") for path in paths), paths
    assert len(operations) >= 2
    # The page, its assets and the OpenAPI document all came through the gateway (its
    # access log is written at least once a second).
    stack.wait_for_log(
        stack.gateway_log,
        lambda entry: entry["request"]["uri"] == f"/ispyb/api/v1/{service}/swagger.json",
    )
    time.sleep(1.5)  # the other lines of the same second
    uris = {entry["request"]["uri"] for entry in stack.gateway_log()}
    assert f"/ispyb/api/v1/{service}/docs" in uris
    assert f"/ispyb/api/v1/{service}/swagger.json" in uris
    assert any(uri.startswith(f"/ispyb/api/v1/{service}/swaggerui/") for uri in uris)
    failed = [
        entry["request"]["uri"]
        for entry in stack.gateway_log()
        if entry["request"]["uri"].startswith(f"/ispyb/api/v1/{service}/")
        and entry["response"]["status"] >= 400
    ]
    assert failed == []


def test_services_not_deployed_have_no_route(stack):
    for name in ("ssx", "auth"):
        response = stack.gateway("GET", f"/ispyb/api/v1/{name}/health")
        assert response.status == 404
        assert response.json()["message"] == "no Route matched with those values"
    for name in SELECTION:
        assert stack.gateway("GET", f"/ispyb/api/v1/{name}/health").status == 200
