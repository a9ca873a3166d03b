"""Where the gateway's files are by default.

Installed editable from the repository (``make install``), the package sits in
``gateway/`` next to ``kong.yml``. Installed into an image, the source kong.yml is named
by ``ISPYB_GATEWAY_SOURCE`` (docker/gateway-config.Dockerfile sets it).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
# The repository when installed editable: var/ and the paths shown in generated files.
REPOSITORY = PACKAGE_DIR.parent.parent
DEFAULT_SOURCE = PACKAGE_DIR.parent / "kong.yml"
DEFAULT_VAR_DIR = REPOSITORY / "var"


def shown(path: Path) -> str:
    """A path as generated files name it: relative to the repository when inside it."""
    try:
        return str(Path(path).resolve().relative_to(REPOSITORY))
    except ValueError:
        return str(path)
