"""ssx's OpenAPI document: every list answers the list envelope, every read an XRead."""

from __future__ import annotations

from tests.ssx.conftest import SSX


def test_every_ssx_list_answers_the_list_envelope_and_reads_are_xread(ssx_app):
    document = ssx_app.test_client().get(f"{SSX}/swagger.json").get_json()
    lists = reads = 0
    for path, operations in document["paths"].items():
        if path in {"/health", "/ready"}:
            continue
        for method, operation in operations.items():
            if method == "parameters":
                continue
            query = {p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"}
            for code, answer in operation["responses"].items():
                if not code.startswith("2"):
                    continue
                name = answer["schema"]["$ref"].rsplit("/", 1)[-1]
                if document["definitions"][name].get("format") == "binary":
                    continue  # a file's bytes (ispyb_shared.files.file_answer)
                if method == "get" and "offset" in query:
                    assert name.endswith("List"), (method, path, name)
                    envelope = document["definitions"][name]["properties"]
                    assert {"total", "limit", "offset", "results"} <= set(envelope), path
                    lists += 1
                else:
                    assert name.endswith("Read"), (method, path, name)
                    reads += 1
    assert lists == 8
    assert reads >= 8
