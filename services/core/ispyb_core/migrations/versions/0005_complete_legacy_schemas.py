"""Complete databases migrated by earlier versions of core.

Revisions 0001-0004 now inspect before they act and add whatever a table lacks (the
columns ESRF's flavour does not have, foreign-key columns typed like the keys they
reference, the uuid column as CHAR(36)). Databases that went through them before they did
run them once more: on a database they already completed, nothing happens.

Revision ID: 0005
Revises: 0004
"""

from ispyb_core.migration_helpers import rerun

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    rerun("0001", "0002", "0003", "0004")


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
