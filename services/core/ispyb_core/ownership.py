"""Checks shared by the samples-and-shipping resources: every row belongs to one proposal,
a row may only refer to rows the caller can see, and never to another proposal's rows.

A referenced row the caller cannot see is reported exactly like one that does not exist
(422 naming the field), so a body tells nothing about other proposals.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import NotFound, ValidationFailed

from .proposals.models import Proposal


def proposal_name(proposal_id_column) -> Any:
    """The proposal name (mx1234) of a row, as an SQL expression for list filters."""
    return (
        select(Proposal.proposalCode + Proposal.proposalNumber)
        .where(Proposal.proposalId == proposal_id_column)
        .scalar_subquery()
    )


def other_proposal(proposal_id: int | None, expected: int | None) -> str | None:
    """Why a row of ``proposal_id`` cannot be used by a row of ``expected`` (None if it can)."""
    if proposal_id is not None and expected is not None and proposal_id != expected:
        return f"Belongs to proposal {proposal_id}, not to proposal {expected}."
    return None


class References:
    """Looks up the rows a body refers to, as the caller sees them, and collects every
    problem so that they are all reported at once."""

    def __init__(self, db_session: Session, caller: Caller):
        self.db_session = db_session
        self.caller = caller
        self.problems: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.problems.setdefault(field, []).append(message)

    def get(self, field: str, value: Any, getter: Callable[..., Any], table: str) -> Any:
        """The row ``getter`` finds for ``value`` (None when absent or not visible)."""
        if value is None:
            return None
        try:
            return getter(db_session=self.db_session, ref=str(value), caller=self.caller)
        except NotFound:
            self.add(field, f"No {table} with {field} {value!r}.")
            return None

    def same_proposal(self, field: str, proposal_id: int | None, expected: int | None) -> None:
        """Refuse a reference to a row of another proposal than ``expected``."""
        problem = other_proposal(proposal_id, expected)
        if problem is not None:
            self.add(field, problem)

    def raise_problems(self) -> None:
        if self.problems:
            raise ValidationFailed("The body refers to rows it may not use.", self.problems)
