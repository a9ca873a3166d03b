"""``ispyb-ssx check-config | migrate``."""

from __future__ import annotations

import sys

from ispyb_shared.cli import service_cli

from .config import load_ssx_config


def main(argv: list[str] | None = None) -> int:
    return service_cli(service="ssx", package="ispyb_ssx", load_config=load_ssx_config, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
