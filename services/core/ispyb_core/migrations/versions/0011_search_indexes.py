"""Indexes for the lists' free-text ``search=`` (docs/api-conventions.md): each searched
column gets an index whose first column it is, so that ``column LIKE 'word%'`` is a range
of it. ISPyB already has most (Proposal code and number, Person familyName and login,
Protein acronym, BLSample name, Shipping shippingName, DataCollection imageDirectory and
imagePrefix, BLSession beamLineName); these are the missing ones. An index a site
already has on the column (under any name) is kept and none is added beside it.

Revision ID: 0011
Revises: 0010
"""

from ispyb_core.migration_helpers import ensure_index

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# (table, index, column, prefix length of a long text or None)
SEARCH_INDEXES = (
    ("Proposal", "Proposal_search_proposalNumber", "proposalNumber", None),
    ("Proposal", "Proposal_search_title", "title", None),
    ("Person", "Person_search_givenName", "givenName", None),
    ("Person", "Person_search_emailAddress", "emailAddress", None),
    ("Protein", "Protein_search_name", "name", None),
    ("DataCollection", "DataCollection_search_fileTemplate", "fileTemplate", None),
    ("DataCollection", "DataCollection_search_comments", "comments", 191),
)


def upgrade() -> None:
    for table, name, column, length in SEARCH_INDEXES:
        ensure_index(table, name, column, length=length)


def downgrade() -> None:
    raise NotImplementedError("core's migrations are not reversible (they may hold site data)")
