"""SSX demo data, registered through the running stack's API (``ispyb-ssx-demo``).

Core's demo has no SSX data collections and ssx cannot create core rows offline, so
``make run`` runs this once the stack answers (tools/run.py), or by hand::

    .venv/bin/python -m ispyb_ssx.demo [--url http://127.0.0.1:8000]

It logs in as the demo pipeline (client credentials), registers a chip run and a jet run
in demo session mx1001-1 (with their event chains and sample composition) and posts
preliminary and final results and a few chunks. Idempotent: the runs carry fixed
``clientRequestId`` values, so a second invocation finds them and adds nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.error
import urllib.request

SESSION = "mx1001-1"
CLIENT = ("demo-pipeline", "demo-pipeline-secret")
SCOPES = "ssx:write core:read core:acquisition:write"


def _acquisition(prefix: str, images: int) -> dict:
    return {
        "startTime": "2026-01-01T10:00:00",
        "numberOfImages": images,
        "exposureTime": 0.01,
        "wavelength": 0.9763,
        "detectorDistance": 150.0,
        "imageDirectory": f"/data/{SESSION}/ssx",
        "imagePrefix": prefix,
        "fileTemplate": f"{prefix}_#####.cbf",
    }


RUNS = [
    {
        "session": SESSION,
        "experimentType": "SSX-Chip",
        "clientRequestId": "demo-ssx-chip-1",
        "acquisition": _acquisition("demo_chip", 25600),
        "ssx": {
            "repetitionRate": 100.0,
            "chipModel": "Oxford",
            "chipPattern": "full chip",
            "laserEnergy": 5.0,
            "experimentName": "demo pump-probe chip",
        },
        "eventChains": [
            {
                "name": "pump-probe 1 ms",
                "events": [
                    {"eventType": "LaserExcitation", "offset": 0.0, "duration": 0.00001},
                    {"eventType": "XrayDetection", "offset": 0.001, "duration": 0.01},
                ],
            }
        ],
    },
    {
        "session": SESSION,
        "experimentType": "SSX-Jet",
        "clientRequestId": "demo-ssx-jet-1",
        "acquisition": _acquisition("demo_jet", 100000),
        "ssx": {"repetitionRate": 250.0, "jetSpeed": 5.0, "jetSize": 50.0},
        "eventChains": [
            {
                "name": "mix-and-inject",
                "events": [
                    {
                        "eventType": "ReactionTrigger",
                        "offset": 0.0,
                        "duration": 0.001,
                        "component": {"name": "NADH", "componentType": "Ligand"},
                    },
                    {
                        "eventType": "XrayExposure",
                        "offset": 0.05,
                        "duration": 0.001,
                        "period": 0.004,
                        "repetition": 10,
                    },
                ],
            }
        ],
    },
]


def _call(url: str, method: str, path: str, body=None, token=None) -> tuple[int, dict]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def seed(url: str) -> list[str]:
    """Register the demo runs (once); the UUIDs of the runs."""
    status, token = _call(
        url,
        "POST",
        "/ispyb/api/v1/auth/token",
        {"client_id": CLIENT[0], "client_secret": CLIENT[1], "scope": SCOPES},
    )
    if status != 200:
        raise RuntimeError(f"login as the demo pipeline failed: {status} {token}")
    access = token["access_token"]
    uuids = []
    for body in RUNS:
        status, run = _call(url, "POST", "/ispyb/api/v1/ssx/runs", body, access)
        if status not in (200, 201):
            raise RuntimeError(f"registering {body['clientRequestId']} failed: {status} {run}")
        uuids.append(run["uuid"])
        if status == 200:
            continue  # already there: nothing added
        base = f"/ispyb/api/v1/ssx/runs/{run['uuid']}"
        images = body["acquisition"]["numberOfImages"]
        for first in range(1, min(images, 5000) + 1, 1000):
            _call(
                url,
                "POST",
                f"{base}/chunks",
                {
                    "firstImage": first,
                    "lastImage": first + 999,
                    "numberOfHits": 120,
                    "numberOfIndexed": 80,
                },
                access,
            )
        for kind, hit_rate in (("Preliminary", 11.0), ("Final", 12.3)):
            _call(
                url,
                "POST",
                f"{base}/results",
                {
                    "indexingType": kind,
                    "status": "Success",
                    "programs": "dials.ssx_index",
                    "numberOfImages": images,
                    "hitRate": hit_rate,
                    "indexingRate": 66.0,
                    "nbCrystals": int(images * hit_rate / 100 * 0.66),
                    "spaceGroup": "P 21 21 21",
                    "cell_a": 78.9,
                    "cell_b": 78.9,
                    "cell_c": 37.1,
                    "cell_alpha": 90.0,
                    "cell_beta": 90.0,
                    "cell_gamma": 90.0,
                },
                access,
            )
    return uuids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="Gateway base URL")
    args = parser.parse_args(argv)
    uuids = seed(args.url.rstrip("/"))
    print(f"ispyb-ssx: demo runs in {SESSION} (chip and jet): {', '.join(uuids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
