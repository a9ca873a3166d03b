"""Readiness that means it: ``/ready`` reports each dependency a service needs to serve
(its database, the JWKS its tokens are verified with, core for ssx and em) with its state,
and answers 503 while a required one is down. ``/health`` stays liveness only: an
orchestrator restarts a process that is not alive, and only stops routing to one that is
not ready.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

from .db import Database

Check = Callable[[], tuple[bool, str]]


@dataclass(frozen=True)
class Dependency:
    name: str
    check: Check
    required: bool = True


def add_dependency(app: Flask, name: str, check: Check, *, required: bool = True) -> None:
    """Have ``/ready`` check ``name``: ``check()`` answers (ok, detail)."""
    dependencies = app.extensions.setdefault("ispyb_dependencies", {})
    dependencies[name] = Dependency(name, check, required)


def database_check(database: Database) -> Check:
    def check() -> tuple[bool, str]:
        if database.ping():
            return True, f"{database.dialect} answers"
        return False, f"{database.dialect} does not answer"

    return check


def readiness_report(app: Flask) -> tuple[dict[str, Any], int]:
    """The body and status of ``/ready``."""
    states: dict[str, dict[str, Any]] = {}
    ready = True
    for dependency in app.extensions.get("ispyb_dependencies", {}).values():
        try:
            ok, detail = dependency.check()
        except Exception as exc:  # a probe must answer, whatever a check does
            ok, detail = False, f"check failed: {exc.__class__.__name__}"
        states[dependency.name] = {
            "status": "ok" if ok else "down",
            "required": dependency.required,
            "detail": detail,
        }
        ready = ready and (ok or not dependency.required)
    body: dict[str, Any] = {"status": "ready" if ready else "unavailable"}
    if "database" in states:  # the first probes' field, kept for their users
        body["database"] = "ok" if states["database"]["status"] == "ok" else "unreachable"
    body["dependencies"] = states
    return body, 200 if ready else 503
