"""em's errors in the one envelope and details shape (tests/support/error_walk.py)."""

from tests.support.error_walk import walk_generic_errors


def test_em_generic_errors(em_app, tokens):
    walk_generic_errors(em_app, tokens.admin(), "em", "/em/movies/1", "/em/movies/batch")
