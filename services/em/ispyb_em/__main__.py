"""``ispyb-em check-config | migrate | seed-demo``."""

from __future__ import annotations

import sys

from ispyb_shared.cli import service_cli

from .config import load_em_config
from .demo import seed_demo


def main(argv: list[str] | None = None) -> int:
    return service_cli(
        service="em",
        package="ispyb_em",
        load_config=load_em_config,
        seed_demo=seed_demo,
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
