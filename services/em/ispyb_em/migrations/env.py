from alembic import context

from ispyb_em.models import Base
from ispyb_shared.migrations import run_migrations

run_migrations(context, Base.metadata)
