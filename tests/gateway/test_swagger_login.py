"""Logging in from Swagger UI, in a real browser, through the local gateway of `make run`.

The Authorize dialog of core's Swagger UI logs in with the OAuth 2 password flow against
the auth service's /token (the ``login`` scheme of every service's document), then "Try
it out" on a secured operation answers 200 with the token the dialog got; the same with
the client credentials flow (the ``client`` scheme; the demo's machine client), which
Swagger UI sends in an HTTP Basic header.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.gateway.support import RunningStack
from tests.gateway.webdriver import Browser

SELECTION = ["core", "auth"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(tmp_path_factory.mktemp("login-var"), SELECTION, tokens, real_auth=True)
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    # A password is typed: chromedriver's log must not record it (the secret watch).
    browser = Browser(tmp_path_factory.mktemp("chromium"), log_commands=False)
    yield browser
    browser.close()


def wait_until(condition, timeout: float = 30, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def try_get_proposals(browser) -> tuple[list[str], str]:
    """GET /proposals (secured): open it, Try it out, Execute; (statuses, operation)."""
    for tag in browser.wait_for(".opblock-tag"):
        if browser.text(tag).split()[0] == "proposals":
            browser.click(tag)
            break
    operation = wait_until(
        lambda: next(
            (
                block
                for block in browser.find_all(".opblock.opblock-get")
                if browser.text(browser.find_all_in(block, ".opblock-summary-path")[0]).strip()
                == "/proposals"
            ),
            None,
        ),
        what="GET /proposals",
    )
    browser.click(browser.find_all_in(operation, ".opblock-summary")[0])
    (try_it,) = wait_until(
        lambda: browser.find_all_in(operation, ".try-out__btn"), what="Try it out"
    )
    browser.click(try_it)
    (execute,) = wait_until(lambda: browser.find_all_in(operation, ".execute"), what="Execute")
    browser.click(execute)
    status = wait_until(
        lambda: [
            browser.text(cell).strip()
            for cell in browser.find_all_in(
                operation, ".live-responses-table tbody .response-col_status"
            )
        ],
        what="the live response",
    )
    return status, operation


def test_the_authorize_dialog_logs_in_and_try_it_out_answers_200(stack, browser):
    base = f"http://127.0.0.1:{stack.gateway_port}"
    browser.open(f"{base}/ispyb/api/v1/core/docs")
    (authorize,) = browser.wait_for(".auth-wrapper .btn.authorize")
    browser.click(authorize)
    # Every scheme's text renders whole (no "<token>" eaten as HTML).
    dialog = browser.text(browser.wait_for(".modal-ux-content")[0])
    assert "Bearer eyJhbGciOi..." in dialog, dialog
    assert "password flow" in dialog.lower() or "Flow: password" in dialog, dialog
    # The password flow's form (Swagger UI's ids), then its Authorize button.
    browser.type(browser.wait_for("#oauth_username")[0], "alice")
    browser.type(browser.wait_for("#oauth_password")[0], "demo-alice")
    blocks = browser.find_all(".modal-ux-content .auth-container")
    login_block = next(b for b in blocks if browser.find_all_in(b, "#oauth_username"))
    buttons = browser.find_all_in(login_block, ".btn.modal-btn.auth.authorize")
    assert len(buttons) == 1, [browser.text(b) for b in buttons]
    button = buttons[0]
    browser.click(button)
    # Logged in: the block offers Logout instead.
    wait_until(
        lambda: browser.find_all_in(login_block, ".btn.modal-btn.auth"),
        what="the login's answer",
    )
    wait_until(
        lambda: any(
            browser.text(b).strip() == "Logout"
            for b in browser.find_all_in(login_block, ".btn.modal-btn.auth")
        ),
        what="Logout (a failed login shows an error instead)",
    )
    browser.click(browser.find_all(".modal-ux-header .close-modal")[0])

    status, operation = try_get_proposals(browser)
    assert status[0] == "200", status
    body = json.loads(
        browser.text(browser.find_all_in(operation, ".live-responses-table .microlight")[0])
    )
    # Alice's proposals (the list envelope), not an error.
    assert body["total"] >= 1 and body["limit"] == 25
    # The request carried the token the dialog got, and went through the gateway.
    curl = browser.text(browser.find_all_in(operation, ".curl")[0])
    assert "authorization: bearer ey" in curl.lower()
    assert f"http://127.0.0.1:{stack.gateway_port}/ispyb/api/v1/core/proposals" in curl


def test_the_client_credentials_flow_gets_a_machine_clients_token(stack, browser):
    base = f"http://127.0.0.1:{stack.gateway_port}"
    browser.open(f"{base}/ispyb/api/v1/core/docs")  # a new page: logged out
    browser.click(browser.wait_for(".auth-wrapper .btn.authorize")[0])
    browser.wait_for(".modal-ux-content .auth-container")
    blocks = browser.find_all(".modal-ux-content .auth-container")
    client_block = next(
        b
        for b in blocks
        if browser.find_all_in(b, "input[id^='client_secret']")
        and not browser.find_all_in(b, "#oauth_username")
    )
    browser.type(browser.find_all_in(client_block, "input[id^='client_id']")[0], "demo-pipeline")
    browser.type(
        browser.find_all_in(client_block, "input[id^='client_secret']")[0], "demo-pipeline-secret"
    )
    browser.click(browser.find_all_in(client_block, ".btn.modal-btn.auth.authorize")[0])
    wait_until(
        lambda: any(
            browser.text(b).strip() == "Logout"
            for b in browser.find_all_in(client_block, ".btn.modal-btn.auth")
        ),
        what="Logout (a failed token request shows an error instead)",
    )
    browser.click(browser.find_all(".modal-ux-header .close-modal")[0])
    status, _operation = try_get_proposals(browser)
    assert status[0] == "200", status
