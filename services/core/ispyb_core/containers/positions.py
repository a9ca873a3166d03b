"""Sample positions in containers (rules in docs/shipments.md).

A position (BLSample.location, text in ISPyB) is a whole number from 1 to the container's
capacity, written without leading zeros; a position holds one sample (or, on multi-sample
pins, one per subLocation).
"""

from __future__ import annotations

from marshmallow import validate

# Capacities of common MX holders, used when a container gives a type but no capacity.
KNOWN_CAPACITIES = {
    "Unipuck": 16,
    "Puck": 16,
    "Spinepuck": 10,
    "Basket": 10,
    "Cassette": 96,
}

LOCATION = validate.Regexp(
    r"^[1-9][0-9]{0,8}$", error="A position is a whole number from 1, without leading zeros."
)


def capacity_of(container_type: str | None, capacity: int | None) -> int | None:
    if capacity is not None:
        return capacity
    return KNOWN_CAPACITIES.get(container_type or "")


def capacity_problem(location: str | None, capacity: int | None) -> str | None:
    """Why ``location`` does not fit a container of ``capacity`` (None when it fits)."""
    if location is None or capacity is None or not location.isdigit():
        return None
    if int(location) > capacity:
        return f"Position {location} is outside the container's capacity (1 to {capacity})."
    return None
