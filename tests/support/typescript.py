"""Node for the TypeScript client's tests: Node 20 and npm are required (missing, the test
fails, never skips). The pinned packages (clients/typescript/package-lock.json) are
installed once with ``npm ci`` into a cache under .venv (ISPYB_NODE_CACHE), keyed by the
lock file, so the working tree needs no node_modules."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the TypeScript client needs Node 20 and npm")
    return path


def client_node_modules() -> Path:
    """The client's pinned packages, installed by npm ci once per lock file."""
    npm = _tool("npm")
    _tool("node")
    lock = (CLIENT / "package-lock.json").read_bytes()
    cache = Path(os.environ.get("ISPYB_NODE_CACHE", ROOT / ".venv" / "node"))
    target = cache / f"typescript-client-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (target / "node_modules" / ".bin" / "tsc").exists():
        target.mkdir(parents=True, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(CLIENT / name, target / name)
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
            cwd=target,
            check=True,
            capture_output=True,
            timeout=300,
        )
    return target / "node_modules"


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def workspace(tmp_path: Path, node_modules: Path) -> Path:
    """The client's sources beside the cached packages (tsc resolves imports from there)."""
    work = tmp_path / "client"
    shutil.copytree(CLIENT / "src", work / "src")
    shutil.copy(CLIENT / "tsconfig.json", work / "tsconfig.json")
    (work / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return work
