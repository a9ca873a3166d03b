"""``ispyb-core check-config | migrate | seed-demo | import-shipment-csv | sync-user-office``."""

from __future__ import annotations

import sys

from ispyb_shared.cli import service_cli

from .config import load_core_config
from .demo import seed_demo
from .shipment_documents.cli import IMPORT_SHIPMENT_CSV
from .user_office.cli import SYNC_USER_OFFICE


def main(argv: list[str] | None = None) -> int:
    return service_cli(
        service="core",
        package="ispyb_core",
        load_config=load_core_config,
        seed_demo=seed_demo,
        commands={
            "import-shipment-csv": IMPORT_SHIPMENT_CSV,
            "sync-user-office": SYNC_USER_OFFICE,
        },
        argv=argv,
    )


if __name__ == "__main__":
    sys.exit(main())
