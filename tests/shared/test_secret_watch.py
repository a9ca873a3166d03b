"""The suite's secret watch (tests/support/secrets.py) really sees secrets and logs: the
check that runs after the whole session is only worth something if these hold."""

from __future__ import annotations

import json
import logging
import urllib.request

import requests
from flask import Flask, jsonify

from tests.auth.keyserver import JwksServer
from tests.support.secrets import SecretWatch

FAKE_JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3YXRjaC10ZXN0In0.c2lnbmF0dXJlLW9mLXRoZS13YXRjaC10ZXN0"


def test_it_collects_secrets_where_they_travel(tmp_path):
    app = Flask("watched")

    @app.post("/login")
    def _login():
        return jsonify(access_token=FAKE_JWT, refresh_token="refresh-from-the-answer")

    server = JwksServer({"clientSecret": "secret-from-an-http-answer", "keys": []})
    watch = SecretWatch(tmp_path)
    watch.start()
    try:
        app.test_client().post(
            "/login?client_secret=secret-in-a-query",
            json={"username": "x", "password": "password-in-a-body"},
            headers={"Authorization": "Bearer bearer-in-a-header"},
        )
        requests.get(server.url, headers={"Authorization": "Bearer bearer-via-requests"})
        with urllib.request.urlopen(f"{server.url}?access_token=token-via-urllib") as answer:
            answer.read()
    finally:
        watch.stop()
        server.close()
    assert watch.secrets >= {
        "secret-in-a-query",
        "password-in-a-body",
        "bearer-in-a-header",
        FAKE_JWT,
        "refresh-from-the-answer",
        "bearer-via-requests",
        "token-via-urllib",
        "secret-from-an-http-answer",
    }
    assert "x" not in watch.secrets  # too short to be anyone's secret


def test_it_finds_secrets_in_log_files_and_in_the_process_log(tmp_path):
    watch = SecretWatch(tmp_path)
    # Added directly (not through a request), so that the session's own watch does not know
    # them and the log files written here do not fail the session.
    watch.add_all(["planted-secret-0001", "with space & slash/0002", "plain-ok-0003"])
    watch.start()
    try:
        logging.getLogger("tests.leaky").warning("oops: %s.", "planted-secret-0001")
    finally:
        watch.stop()
    log_dir = tmp_path / "var" / "log"
    log_dir.mkdir(parents=True)
    line = {"message": "GET /x?password=with%20space%20%26%20slash%2F0002 200"}
    (log_dir / "core.log").write_text("ok\n" + json.dumps(line) + "\n")
    (tmp_path / "nginx-error.log").write_text("planted-secret-0001 again\n")
    (tmp_path / "notes.txt").write_text("plain-ok-0003 (not a log)\n")
    leaks = {(path.name, number, secret) for path, number, secret in watch.scan()}
    assert leaks == {
        ("in-process.log", 1, "planted-secret-0001"),
        ("core.log", 2, "with space & slash/0002"),
        ("nginx-error.log", 1, "planted-secret-0001"),
    }
    report = watch.report(watch.scan())
    assert "3 secret(s)" in report and "planted-..." in report
