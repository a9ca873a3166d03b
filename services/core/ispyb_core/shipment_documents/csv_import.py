"""The shipment spreadsheet (CSV): one row per sample, imported into a shipment.

The rows become a shipment document's dewars (grouped by dewar name, then container
name), checked by exactly the same code as a JSON document; problems are reported as
``line N`` -> ``column: message``. The columns are documented in docs/shipments.md, with
docs/examples/shipment.csv as an example.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from ispyb_shared.auth import Caller
from ispyb_shared.errors import ValidationFailed

from ..shipments.models import Shipping
from .service import check_contents, write_contents

DEWAR, CONTAINER, SAMPLE = "dewar", "container", "sample"
CELL_FIELDS = ("cell_a", "cell_b", "cell_c", "cell_alpha", "cell_beta", "cell_gamma")


def _whole_number(text: str) -> int:
    if not text.isdigit():
        raise ValueError("Not a whole number.")
    return int(text)


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ValueError("Not a number.") from None


def _cell(text: str) -> dict[str, float]:
    parts = [part for part in re.split(r"[\s,;]+", text) if part]
    try:
        values = [float(part) for part in parts]
    except ValueError:
        values = []
    if len(values) != 6:
        raise ValueError("Give 6 numbers: a b c (Å) alpha beta gamma (degrees).")
    return dict(zip(CELL_FIELDS, values, strict=True))


@dataclass(frozen=True)
class Column:
    """A spreadsheet column: the document part (level) and field it fills, and how."""

    name: str
    level: str
    path: str
    required: bool = False
    parse: Callable[[str], Any] = str


# In the order of the table in docs/shipments.md.
COLUMNS = (
    Column("dewar", DEWAR, "code", required=True),
    Column("dewar barcode", DEWAR, "barCode"),
    Column("container", CONTAINER, "code", required=True),
    Column("container type", CONTAINER, "containerType"),
    Column("container barcode", CONTAINER, "barcode"),
    Column("capacity", CONTAINER, "capacity", parse=_whole_number),
    Column("position", SAMPLE, "location", required=True),
    Column("protein", SAMPLE, "crystal.protein.acronym", required=True),
    Column("sample", SAMPLE, "name", required=True),
    Column("pin barcode", SAMPLE, "code"),
    Column("space group", SAMPLE, "crystal.spaceGroup"),
    Column("cell", SAMPLE, "crystal.cell", parse=_cell),
    Column("required resolution", SAMPLE, "diffractionPlan.requiredResolution", parse=_number),
    Column("experiment kind", SAMPLE, "diffractionPlan.experimentKind"),
    Column("user path", SAMPLE, "diffractionPlan.userPath"),
    Column("comments", SAMPLE, "comments"),
)
BY_NAME = {column.name: column for column in COLUMNS}
# Which column a problem at a document path points at: (level, field) -> column name.
COLUMN_OF_FIELD = {(column.level, column.path): column.name for column in COLUMNS}
COLUMN_OF_FIELD[(SAMPLE, "crystal.protein")] = "protein"
COLUMN_OF_FIELD.update({(SAMPLE, f"crystal.{name}"): "cell" for name in CELL_FIELDS})


def _header_name(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower())


class CsvProblems:
    """Problems by line: {"line 3": ["position: Position 17 is outside ..."]}."""

    def __init__(self):
        self.by_line: dict[int, list[str]] = {}
        # Cells that could not be read: the document checks see them as empty, and must not
        # report them a second time (e.g. a capacity that is not a number as missing).
        self.unreadable: set[tuple[int, str]] = set()

    def add(self, line: int, column: str | None, message: str) -> None:
        self.by_line.setdefault(line, []).append(f"{column}: {message}" if column else message)

    def details(self) -> dict[str, list[str]]:
        return {f"line {line}": self.by_line[line] for line in sorted(self.by_line)}

    def count(self) -> int:
        return sum(len(messages) for messages in self.by_line.values())


@dataclass
class CsvDocument:
    """The contents document made of the rows, and the line each part came from."""

    document: dict[str, Any] = field(default_factory=lambda: {"dewars": []})
    dewar_lines: dict[int, int] = field(default_factory=dict)
    container_lines: dict[tuple[int, int], int] = field(default_factory=dict)
    sample_lines: dict[tuple[int, int, int], int] = field(default_factory=dict)

    def locate(self, path: str) -> tuple[int, str | None]:
        """The line and column of a problem at a document path."""
        match = DOCUMENT_PATH.match(path)
        if match is None:
            return 1, None
        i, j, k, rest = match.groups()
        if k is not None:
            line, level = self.sample_lines[(int(i), int(j), int(k))], SAMPLE
        elif j is not None:
            line, level = self.container_lines[(int(i), int(j))], CONTAINER
        else:
            line, level = self.dewar_lines[int(i)], DEWAR
        return line, COLUMN_OF_FIELD.get((level, rest), rest)


DOCUMENT_PATH = re.compile(
    r"^dewars\[(\d+)\](?:\.containers\[(\d+)\](?:\.samples\[(\d+)\])?)?(?:\.(.+))?$"
)
# A part of the document named inside a message ("already given to dewars[0]...").
PART_PATH = re.compile(r"dewars\[\d+\](?:\.containers\[\d+\](?:\.samples\[\d+\])?)?")


def _get(values: dict[str, Any], dotted: str) -> Any:
    for name in dotted.split("."):
        values = values.get(name) if isinstance(values, dict) else None
    return values


def _set(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for name in parents:
        target = target.setdefault(name, {})
    if isinstance(value, dict):
        target.update(value)  # the cell column fills six fields
    else:
        target[last] = value


def _read_header(reader, problems: CsvProblems) -> list[str] | None:
    header = next(reader, None)
    if header is None:
        problems.add(1, None, "The file is empty: its first line names the columns.")
        return None
    names = [_header_name(cell) for cell in header]
    for name in names:
        if name and name not in BY_NAME:
            problems.add(1, None, f"Unknown column {name!r}; known: {', '.join(BY_NAME)}.")
    for column in COLUMNS:
        if column.required and column.name not in names:
            problems.add(1, None, f"Column {column.name!r} is missing.")
    return None if problems.by_line else names


def _read_row(names, row, line, problems: CsvProblems) -> dict[str, dict[str, Any]] | None:
    """The dewar, container and sample values of a row (None when a value is missing)."""
    if len(row) > len(names):
        problems.add(line, None, f"{len(row)} cells but {len(names)} columns.")
        return None
    parts: dict[str, dict[str, Any]] = {DEWAR: {}, CONTAINER: {}, SAMPLE: {}}
    for name, cell in zip(names, row, strict=False):
        column, value = BY_NAME.get(name), cell.strip()
        if column is None or not value:
            continue
        try:
            _set(parts[column.level], column.path, column.parse(value))
        except ValueError as exc:
            problems.add(line, column.name, str(exc))
            problems.unreadable.add((line, column.name))
    missing = [c for c in COLUMNS if c.required and _get(parts[c.level], c.path) is None]
    for column in missing:
        problems.add(line, column.name, "Required.")
    return None if missing else parts


def _same_as_before(problems, line: int, level: str, values, first_values, first_line) -> None:
    """The rows of one dewar (or container) must agree about it."""
    for name, value in values.items():
        earlier = first_values.get(name)
        if earlier is not None and earlier != value:
            problems.add(
                line,
                COLUMN_OF_FIELD[(level, name)],
                f"{value!r} here but {earlier!r} on line {first_line}, for the same {level}.",
            )


def parse_csv(text: str, problems: CsvProblems) -> CsvDocument:
    parsed = CsvDocument()
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    names = _read_header(reader, problems)
    if names is None:
        return parsed
    dewars: dict[str, int] = {}
    containers: dict[tuple[str, str], tuple[int, int]] = {}
    document_dewars = parsed.document["dewars"]
    end_of_previous_row = reader.line_num
    for row in reader:
        line, end_of_previous_row = end_of_previous_row + 1, reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        parts = _read_row(names, row, line, problems)
        if parts is None:
            continue
        dewar_code, container_code = parts[DEWAR]["code"], parts[CONTAINER]["code"]
        if dewar_code not in dewars:
            dewars[dewar_code] = i = len(document_dewars)
            document_dewars.append({**parts[DEWAR], "containers": []})
            parsed.dewar_lines[i] = line
        else:
            i = dewars[dewar_code]
            _same_as_before(
                problems, line, DEWAR, parts[DEWAR], document_dewars[i], parsed.dewar_lines[i]
            )
        dewar_containers = document_dewars[i]["containers"]
        if (dewar_code, container_code) not in containers:
            j = len(dewar_containers)
            containers[(dewar_code, container_code)] = (i, j)
            dewar_containers.append({**parts[CONTAINER], "samples": []})
            parsed.container_lines[(i, j)] = line
        else:
            i, j = containers[(dewar_code, container_code)]
            _same_as_before(
                problems,
                line,
                CONTAINER,
                parts[CONTAINER],
                dewar_containers[j],
                parsed.container_lines[(i, j)],
            )
        samples = dewar_containers[j]["samples"]
        parsed.sample_lines[(i, j, len(samples))] = line
        samples.append(parts[SAMPLE])
    if not document_dewars and not problems.by_line:
        problems.add(2, None, "The file has no sample rows.")
    return parsed


def import_csv(
    *, db_session: Session, shipping: Shipping, text: str, caller: Caller
) -> dict[str, int]:
    """Add the spreadsheet's dewars, containers and samples to ``shipping``: all of them,
    or nothing with every problem reported by line. Returns how many of each were added."""
    problems = CsvProblems()
    parsed = parse_csv(text, problems)
    checked = None
    if parsed.document["dewars"]:
        checked = check_contents(
            db_session=db_session, shipping=shipping, document=parsed.document, caller=caller
        )
        for path, messages in checked.problems.items():
            line, column = parsed.locate(path)
            if (line, column) in problems.unreadable:
                continue
            for message in messages:
                message = PART_PATH.sub(lambda part: f"line {parsed.locate(part[0])[0]}", message)
                problems.add(line, column, message)
    if problems.by_line or checked is None:
        count = problems.count()
        raise ValidationFailed(
            f"The CSV file has {count} error{'s' if count != 1 else ''}; nothing was imported.",
            problems.details(),
        )
    write_contents(db_session, shipping, checked.contents, checked.resolved)
    dewars = parsed.document["dewars"]
    containers = [container for dewar in dewars for container in dewar["containers"]]
    return {
        "dewars": len(dewars),
        "containers": len(containers),
        "samples": sum(len(container["samples"]) for container in containers),
    }
