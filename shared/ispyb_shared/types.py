"""Column types for tables that other programs write too (a site's ISPyB database)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, ColumnElement, Enum, String, cast, or_
from sqlalchemy.types import TypeDecorator


class LenientEnum(TypeDecorator):
    """An enum column whose stored values are served as they are.

    The model's values are what the API accepts on write; a site's column may hold more
    (ESRF's flavour has experiment types and plan kinds Diamond's has not, newer ISPyB
    versions add values, and MariaDB stores '' for an invalid value without strict mode).
    SQLAlchemy's Enum raises LookupError on such a value when reading: this one returns
    the stored string.
    """

    impl = Enum
    cache_ok = True

    def result_processor(self, dialect, coltype):
        return None

    @property
    def python_type(self):
        return str


class ProcessingStatus(TypeDecorator):
    """``AutoProcProgram.processingStatus`` in both ISPyB flavours: True (succeeded),
    False (failed) or None (running, or not known).

    Diamond stores TINYINT(1) (1, 0, NULL); ESRF stores ENUM('RUNNING', 'FAILED',
    'SUCCESS', '0', '1'). Writes send '1' and '0', which both flavours store with the same
    meaning (an integer would be an enum index at ESRF: 1 is 'RUNNING'). Compare with
    :func:`succeeded` and :func:`failed`, which hold for both.
    """

    impl = Boolean
    cache_ok = True
    SUCCEEDED = ("1", "SUCCESS")
    FAILED = ("0", "FAILED")

    def bind_processor(self, dialect):
        def process(value: Any):
            if value is None:
                return None
            return "1" if value else "0"

        return process

    def result_processor(self, dialect, coltype):
        def process(value: Any):
            if value is None:
                return None
            text = str(int(value)) if isinstance(value, bool | int) else str(value).upper()
            if text in self.SUCCEEDED:
                return True
            if text in self.FAILED:
                return False
            return None

        return process

    @property
    def python_type(self):
        return bool


def _as_text(column) -> Any:
    # CAST to text compares the same in every flavour: TINYINT 1 -> '1', ENUM -> its label.
    return cast(column, String(7))


def succeeded(column) -> ColumnElement[bool]:
    return _as_text(column).in_(ProcessingStatus.SUCCEEDED)


def failed(column) -> ColumnElement[bool]:
    return _as_text(column).in_(ProcessingStatus.FAILED)


def not_failed(column) -> ColumnElement[bool]:
    return or_(column.is_(None), _as_text(column).not_in(ProcessingStatus.FAILED))
