"""The TypeScript client (clients/typescript): its generated types are what openapi-typescript
makes of docs/openapi.json now, and the example front-end module type-checks against them.
Node and npm are required (tests/support/typescript.py); tests/e2e/test_typescript_client.py
runs the example against `make run`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.typescript import CLIENT, client_node_modules, run, workspace

ROOT = Path(__file__).resolve().parents[2]
GENERATED = CLIENT / "src" / "schema.d.ts"
DOCUMENT = ROOT / "docs" / "openapi.json"


@pytest.fixture(scope="module")
def node_modules() -> Path:
    return client_node_modules()


def test_regenerating_the_types_changes_nothing(node_modules, tmp_path):
    output = tmp_path / "schema.d.ts"
    generator = node_modules / ".bin" / "openapi-typescript"
    result = run([str(generator), str(DOCUMENT), "--output", str(output)], cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert output.read_text() == GENERATED.read_text(), (
        "clients/typescript/src/schema.d.ts is stale: cd clients/typescript && npm run generate"
    )


def test_the_example_module_type_checks_and_a_wrong_call_does_not(node_modules, tmp_path):
    work = workspace(tmp_path, node_modules)
    tsc = str(node_modules / ".bin" / "tsc")
    result = run([tsc, "--noEmit", "-p", "tsconfig.json"], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr

    # The same check refuses a path no service serves and a field a session has not.
    (work / "src" / "wrong.ts").write_text(
        'import createClient from "openapi-fetch";\n'
        'import type { paths, components } from "./schema";\n'
        "const client = createClient<paths>({ baseUrl: '' });\n"
        'export const missing = client.GET("/ispyb/api/v1/core/no-such-thing");\n'
        'export const wrong = (s: components["schemas"]["SessionRead"]) => s.noSuchField;\n'
    )
    result = run([tsc, "--noEmit", "-p", "tsconfig.json"], cwd=work)
    assert result.returncode != 0
    errors = result.stdout
    assert "src/wrong.ts(4," in errors and "'noSuchField' does not exist" in errors, errors
    assert "example.ts" not in errors, errors
