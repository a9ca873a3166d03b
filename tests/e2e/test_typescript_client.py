"""The TypeScript client's example module (clients/typescript/src/example.ts), compiled by
tsc and run by node against `make run` for real: it logs in at auth through the gateway,
lists sessions from core and a session's data collections, with the generated types."""

from __future__ import annotations

import json

import pytest

from tests.gateway.support import RunningStack
from tests.support.typescript import client_node_modules, run, workspace

RUNNER = """
import { ispybClient } from "./out/example.js";
const ispyb = ispybClient(process.argv[2]);
await ispyb.login("alice", "demo-alice");
const sessions = await ispyb.sessions();
const collections = [];
for (const session of sessions) {
  collections.push(...(await ispyb.dataCollections(session.visit)));
}
console.log(JSON.stringify({ sessions: sessions.map((s) => s.visit), collections }));
"""


@pytest.fixture(scope="module")
def stack(tmp_path_factory, tokens):
    stack = RunningStack(tmp_path_factory.mktemp("var"), ["core", "auth"], tokens, real_auth=True)
    stack.start()
    yield stack
    stack.stop()


def test_the_example_logs_in_and_lists_sessions_and_data_collections(stack, tmp_path):
    node_modules = client_node_modules()
    work = workspace(tmp_path, node_modules)
    (work / "package.json").write_text('{"type": "module"}\n')
    compiled = run(
        [
            str(node_modules / ".bin" / "tsc"),
            "-p",
            "tsconfig.json",
            "--noEmit",
            "false",
            "--outDir",
            "out",
        ],
        cwd=work,
    )
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    (work / "runner.mjs").write_text(RUNNER)
    gateway = f"http://127.0.0.1:{stack.gateway_port}"
    result = run(["node", "runner.mjs", gateway], cwd=work)
    assert result.returncode == 0, result.stdout + result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["sessions"], answer
    assert all(isinstance(visit, str) and "-" in visit for visit in answer["sessions"])
    assert answer["collections"], answer
    assert all("dataCollectionId" in collection for collection in answer["collections"])
