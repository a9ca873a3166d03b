"""The Jinja2 environment of the files the gateway renders (templates/)."""

from __future__ import annotations

import html
from functools import cache

import jinja2

from .paths import TEMPLATES_DIR


def nginx_string(text: str) -> str:
    """A single-quoted nginx string whose content is taken literally.

    nginx expands ``$name`` inside strings and has no escape for ``$``; a variable that
    holds a dollar sign (``$ispyb_dollar``) stands in for it.
    """
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("$", "${ispyb_dollar}")
    return f"'{escaped}'"


@cache
def environment() -> jinja2.Environment:
    # Not HTML-autoescaped: most templates are nginx configuration; the docs page escapes
    # its values with the `html` filter.
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters["html"] = html.escape
    env.filters["nginx_string"] = nginx_string
    return env


def render(name: str, **context) -> str:
    return environment().get_template(name).render(**context)
