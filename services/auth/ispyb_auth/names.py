"""Lists of role, beamline and scope names, stored as space-separated text."""

from __future__ import annotations

from collections.abc import Iterable


def join_names(names: Iterable[str]) -> str:
    return " ".join(sorted(set(names)))


def split_names(text: str | None) -> list[str]:
    return sorted(set((text or "").split()))
