from alembic import context

from ispyb_shared.migrations import run_migrations
from ispyb_ssx.models import Base

run_migrations(context, Base.metadata)
