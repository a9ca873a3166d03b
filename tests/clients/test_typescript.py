"""The TypeScript client (clients/typescript): its generated types are what openapi-typescript
makes of docs/openapi.json now, and the example front-end module type-checks against them.

Node and npm are required (Node 20): missing, the test fails. The pinned packages
(package-lock.json) are installed once with ``npm ci`` into a cache under .venv, keyed by
the lock file, so the working tree needs no node_modules.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ROOT / "clients" / "typescript"
GENERATED = CLIENT / "src" / "schema.d.ts"
DOCUMENT = ROOT / "docs" / "openapi.json"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed: the TypeScript client needs Node 20 and npm")
    return path


@pytest.fixture(scope="module")
def node_modules() -> Path:
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


def _run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def _workspace(tmp_path: Path, node_modules: Path) -> Path:
    """The client's sources beside the cached packages (tsc resolves imports from there)."""
    work = tmp_path / "client"
    shutil.copytree(CLIENT / "src", work / "src")
    shutil.copy(CLIENT / "tsconfig.json", work / "tsconfig.json")
    (work / "node_modules").symlink_to(node_modules, target_is_directory=True)
    return work


def test_regenerating_the_types_changes_nothing(node_modules, tmp_path):
    output = tmp_path / "schema.d.ts"
    generator = node_modules / ".bin" / "openapi-typescript"
    result = _run([str(generator), str(DOCUMENT), "--output", str(output)], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert output.read_text() == GENERATED.read_text(), (
        "clients/typescript/src/schema.d.ts is stale: cd clients/typescript && npm run generate"
    )


def test_the_example_module_type_checks_and_a_wrong_call_does_not(node_modules, tmp_path):
    work = _workspace(tmp_path, node_modules)
    tsc = str(node_modules / ".bin" / "tsc")
    result = _run([tsc, "--noEmit", "-p", "tsconfig.json"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr

    # The same check refuses a path no service serves and a field a session has not.
    (work / "src" / "wrong.ts").write_text(
        'import createClient from "openapi-fetch";\n'
        'import type { paths, components } from "./schema";\n'
        "const client = createClient<paths>({ baseUrl: '' });\n"
        'export const missing = client.GET("/ispyb/api/v1/core/no-such-thing");\n'
        'export const wrong = (s: components["schemas"]["SessionRead"]) => s.noSuchField;\n'
    )
    result = _run([tsc, "--noEmit", "-p", "tsconfig.json"], cwd=work)
    assert result.returncode != 0
    errors = result.stdout
    assert "src/wrong.ts(4," in errors and "'noSuchField' does not exist" in errors, errors
    assert "example.ts" not in errors, errors
