"""ispyb-gateway: check gateway/kong.yml, render a site's kong.yml and nginx.conf, run nginx.

- ``check``: the project's checks of kong.yml files (and decK's with ``--deck``);
- ``render``: for the services a site deploys (``ISPYB_SERVICES``), a filtered kong.yml
  and Kong's JSON error template (what Kong reads in production) and an nginx.conf (the
  local gateway of ``make run``);
- ``run``: render, then nginx in the foreground.

Settings (environment; the command line can override some):
  ISPYB_SERVICES              services to deploy, space- or comma-separated (default: all)
  ISPYB_GATEWAY_SOURCE        the source kong.yml (default gateway/kong.yml)
  ISPYB_GATEWAY_CORS_ORIGINS  comma-separated origins allowed by CORS (default: kong.yml's)
  ISPYB_GATEWAY_PORT          port of the local gateway (default 8000)
  ISPYB_HOST                  address the local gateway listens on and finds services at
                              (default 127.0.0.1)
  ISPYB_<SVC>_PORT            port of a service for the local gateway (default: the port
                              of its upstream's target in kong.yml)
  ISPYB_<SVC>_PORTS           ports of its local instances, comma-separated: one nginx
                              server each (replaces ISPYB_<SVC>_PORT)
  ISPYB_VAR_DIR               var directory (default ./var): the rendered files go to
                              var/gateway/, the gateway's logs to var/log/
  ISPYB_GATEWAY_WORKERS       nginx worker processes (default auto: one per CPU)
  ISPYB_GATEWAY_LOG_BUFFER    access log written in batches of this size, at least every
                              second (default 32k); off: one write per request
  ISPYB_GATEWAY_ERROR_LOG     file (default: nginx writes var/log/gateway-error.log) or
                              stderr (tools/run.py writes it there, redacted)

docs/gateway.md explains the mapping from each Kong plugin to nginx, and the differences.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from .kong_config import (
    API_ROOT,
    GatewayConfigError,
    check_kong_config,
    deck_validate,
    load_kong_config,
)
from .nginx import find_nginx
from .paths import DEFAULT_SOURCE
from .site import nginx_command, render_site


def _cmd_check(args) -> int:
    failed = False
    for path in args.files or [DEFAULT_SOURCE]:
        try:
            problems = check_kong_config(load_kong_config(path))
        except GatewayConfigError as exc:
            problems = [str(exc)]
        if args.deck:
            ok, output = deck_validate(path)
            if not ok:
                problems.append(f"deck validate: {output}")
        if problems:
            failed = True
            print(f"{path}: {len(problems)} problem(s)")
            for problem in problems:
                print(f"  - {problem}")
        else:
            print(f"{path}: ok")
    return 1 if failed else 0


def _cmd_render(args) -> int:
    rendered = render_site(
        source=args.source, out_dir=args.out, services=args.services, kong_only=args.kong_only
    )
    print(f"services: {', '.join(rendered.services)}")
    print(f"kong.yml: {rendered.kong_file}")
    if rendered.nginx_file:
        print(f"nginx.conf: {rendered.nginx_file}")
        nginx = find_nginx()
        if nginx is None:
            print("nginx is not installed (bash tools/install-system-deps.sh gateway)")
            return 1
        result = subprocess.run(
            nginx_command(rendered, nginx, test=True), capture_output=True, text=True
        )
        if result.returncode != 0:
            print(f"nginx -t failed:\n{result.stderr}", file=sys.stderr)
            return 1
    return 0


def _cmd_run(args) -> int:
    rendered = render_site(source=args.source, services=args.services)
    nginx = find_nginx()
    if nginx is None:
        print("nginx is not installed: bash tools/install-system-deps.sh gateway", file=sys.stderr)
        return 1
    settings = rendered.settings
    print(
        f"gateway for {', '.join(rendered.services)} on "
        f"http://{settings.listen_host}:{settings.listen_port}{API_ROOT}/docs",
        flush=True,
    )
    os.execv(nginx, nginx_command(rendered, nginx))
    return 1  # not reached


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ispyb-gateway",
        description="Check gateway/kong.yml, render a site's kong.yml and nginx.conf, run nginx.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("Settings", 1)[1].join(["Settings", ""]),
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="the project's checks of kong.yml files")
    check.add_argument("files", nargs="*", type=Path, help="default: gateway/kong.yml")
    check.add_argument("--deck", action="store_true", help="also run `deck validate`")
    for name, text in (
        ("render", "write the site's kong.yml and nginx.conf"),
        ("run", "render, then run the local gateway (nginx) in the foreground"),
    ):
        command = commands.add_parser(name, help=text)
        command.add_argument(
            "--source", type=Path, help="default: $ISPYB_GATEWAY_SOURCE or gateway/kong.yml"
        )
        command.add_argument("--services", help="default: $ISPYB_SERVICES (all when unset)")
        if name == "render":
            command.add_argument("--out", type=Path, help="default: $ISPYB_VAR_DIR/gateway")
            command.add_argument(
                "--kong-only", action="store_true", help="only kong.yml (for Kong, e.g. in compose)"
            )
    args = parser.parse_args(argv)
    try:
        return {"check": _cmd_check, "render": _cmd_render, "run": _cmd_run}[args.command](args)
    except GatewayConfigError as exc:
        print(f"gateway: {exc}", file=sys.stderr)
        return 2
