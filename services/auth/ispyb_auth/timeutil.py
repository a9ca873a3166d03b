"""The service's clock: naive UTC datetimes, as stored in the database.

Every time the service reads goes through :func:`utcnow`, so tests move the clock by
replacing it instead of sleeping.
"""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def epoch_seconds(moment: dt.datetime) -> int:
    return int(moment.replace(tzinfo=dt.UTC).timestamp())
