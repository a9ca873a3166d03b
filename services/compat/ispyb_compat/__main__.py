"""``ispyb-compat check-config | migrate`` (migrate has nothing to do: no database)."""

from __future__ import annotations

import sys

from ispyb_shared.cli import service_cli

from .config import load_compat_config


def main(argv: list[str] | None = None) -> int:
    return service_cli(
        service="compat", package="ispyb_compat", load_config=load_compat_config, argv=argv
    )


if __name__ == "__main__":
    sys.exit(main())
