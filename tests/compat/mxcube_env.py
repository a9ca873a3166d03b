"""mxcubecore from PyPI for the tests (requirements-mxcube.txt, installed by `make
install-test-deps` into .venv/mxcube with --no-deps).

``importable()`` appends that folder to ``sys.path`` (after the venv's own packages, so the
services keep their versions of requests, urllib3, pydantic...) and lets
``pyispyb_client``, the name mxcubecore's SSX client imports, resolve to the
``ispyb_client`` package PyPI's ``ispyb-client`` 1.0.0 installs (the same generated client
under its published name).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / ".venv" / "mxcube"
ALIAS, REAL = "pyispyb_client", "ispyb_client"


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``pyispyb_client[.x]`` is the module ``ispyb_client[.x]`` (one module object)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname == ALIAS or fullname.startswith(ALIAS + "."):
            return importlib.util.spec_from_loader(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return importlib.import_module(REAL + spec.name[len(ALIAS) :])

    def exec_module(self, module):
        """Nothing to run: the real module was imported by ``create_module``."""


def importable() -> str | None:
    """Make mxcubecore importable; the reason it cannot be, or None."""
    if not (TARGET / "mxcubecore").is_dir():
        return f"mxcubecore is not installed in {TARGET} (make install-test-deps)"
    if str(TARGET) not in sys.path:
        sys.path.append(str(TARGET))
    if not any(isinstance(finder, _Alias) for finder in sys.meta_path):
        sys.meta_path.append(_Alias())
    import mxcubecore

    # mxcubecore puts its own folder first on sys.path when imported; its modules are
    # imported by their full names here, so the rest of the test session keeps its path.
    own = str(Path(mxcubecore.__file__).parent)
    while own in sys.path:
        sys.path.remove(own)
    return None
