"""ssx's errors in the one envelope and details shape (tests/support/error_walk.py)."""

from tests.support.error_walk import walk_generic_errors


def test_ssx_generic_errors(ssx_app, tokens):
    walk_generic_errors(ssx_app, tokens.admin(), "ssx", "/ssx/sessions/mx1-1/runs", "/ssx/runs")
