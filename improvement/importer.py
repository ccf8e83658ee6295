"""Reading measurements from a CSV in the shape of a DHIS2 pivot-table export.

One row per facility, month and indicator, with at least the columns org unit, period,
indicator, numerator and denominator (DHIS2's own headings are understood too, e.g.
"Organisation unit", "Period", "Data"; other columns such as "Value" are ignored). Each
row is checked on its own and refused with a message naming the row.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import measurement_errors

COLUMNS = ("org_unit", "period", "indicator", "numerator", "denominator")
HEADER_ALIASES = {
    "org_unit": {
        "org unit",
        "orgunit",
        "organisation unit",
        "organization unit",
        "organisation unit name",
        "organization unit name",
        "orgunitname",
        "orgunit name",
        "ou",
        "facility",
    },
    "period": {"period", "periodid", "period id", "periodname", "period name", "pe"},
    "indicator": {
        "indicator",
        "data",
        "dataname",
        "data name",
        "dx",
        "data element",
        "dataelement",
        "indicator code",
    },
    "numerator": {"numerator"},
    "denominator": {"denominator"},
}
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan", "janvier", "janv"),
            ("february", "feb", "février", "fevrier", "févr", "fevr"),
            ("march", "mar", "mars"),
            ("april", "apr", "avril", "avr"),
            ("may", "mai"),
            ("june", "jun", "juin"),
            ("july", "jul", "juillet", "juil"),
            ("august", "aug", "août", "aout"),
            ("september", "sep", "sept", "septembre"),
            ("october", "oct", "octobre"),
            ("november", "nov", "novembre"),
            ("december", "dec", "décembre", "decembre", "déc"),
        ],
        start=1,
    )
    for name in names
}


class HeaderError(ValueError):
    """The file lacks a column the import needs."""


@dataclass
class RawRow:
    line: int  # line number in the file, the header being line 1
    values: dict[str, str]


def _normalise(header: str) -> str:
    return " ".join(header.strip().lstrip("\ufeff").replace("_", " ").lower().split())


def decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:4096]
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        return csv.excel


def column_map(header: list[str]) -> dict[str, int]:
    """Which position holds each needed column; raises :class:`HeaderError`."""
    found: dict[str, int] = {}
    for position, name in enumerate(header):
        key = _normalise(name)
        for column, aliases in HEADER_ALIASES.items():
            if key in aliases and column not in found:
                found[column] = position
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        labels = {
            "org_unit": _("org unit"),
            "period": _("period"),
            "indicator": _("indicator"),
            "numerator": _("numerator"),
            "denominator": _("denominator"),
        }
        raise HeaderError(
            _(
                "The first line must name the columns. Missing: %(missing)s. Expected: "
                "org unit, period, indicator, numerator, denominator."
            )
            % {"missing": ", ".join(labels[c] for c in missing)}
        )
    return found


# A cell longer than this is refused in its row (names and codes are short; a huge
# cell is a broken export or a paste gone wrong) and shown cut in the message.
MAX_CELL = 200
# Counts beyond this are refused as implausible (and would not fit the database).
MAX_COUNT = 10**9


@contextlib.contextmanager
def _cells_up_to(size: int):
    """Let the csv module read cells of any size in the file (its default limit,
    128 KiB, raises on the whole file): long cells become row errors instead."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size + 1))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def read_rows(text: str) -> tuple[int, Iterator[RawRow]]:
    """(number of data rows, the rows); raises :class:`HeaderError` on a bad header."""
    text = text.lstrip("\ufeff")
    try:
        with _cells_up_to(len(text)):
            lines = list(csv.reader(io.StringIO(text), _dialect(text)))
    except csv.Error as error:
        raise HeaderError(
            _("The file is not a CSV this import can read: %(error)s")
            % {"error": error}
        ) from None
    if not lines:
        raise HeaderError(_("The file is empty."))
    columns = column_map(lines[0])
    body = [
        (number, cells)
        for number, cells in enumerate(lines[1:], start=2)
        if any(cell.strip() for cell in cells)
    ]

    def rows() -> Iterator[RawRow]:
        for number, cells in body:
            yield RawRow(
                line=number,
                values={
                    column: cells[position].strip() if position < len(cells) else ""
                    for column, position in columns.items()
                },
            )

    return len(body), rows()


def parse_period(text: str) -> datetime.date | None:
    """A month from DHIS2's period id (202401), ISO (2024-01, 2024-01-01) or a name
    (January 2024, Jan 2024, janvier 2024)."""
    value = text.strip().lower()
    match = re.fullmatch(r"(\d{4})-?(\d{2})(?:-01)?", value)
    if match:
        year, month = int(match[1]), int(match[2])
    else:
        match = re.fullmatch(r"([^\W\d_]+)\.?\s+(\d{4})", value)
        if not match or match[1] not in MONTHS:
            return None
        year, month = int(match[2]), MONTHS[match[1]]
    if not 1 <= month <= 12 or year < 1900:
        return None
    return datetime.date(year, month, 1)


def parse_count(text: str) -> int | None:
    """A whole number; DHIS2 writes counts as "12" or "12.0"."""
    value = text.strip().replace(" ", "").replace("\u202f", "")
    if not value:
        return None
    if not re.fullmatch(r"[+-]?\d+(?:[.,]0+)?", value):
        return None  # "1e30", "inf", "nan", "12.5": not a count anyone entered
    number = int(re.split(r"[.,]", value)[0])
    if abs(number) > MAX_COUNT:
        return None
    return number


@dataclass
class Checked:
    """A row that passed every check, ready to write."""

    line: int
    facility_id: int
    facility_name: str
    indicator_id: int
    indicator_code: str
    period: datetime.date
    numerator: int
    denominator: int


class RowChecker:
    """Checks rows against the catalogue, the organisations and the user's rights.

    Lookups are loaded once per import, so checking costs no query a row.
    """

    def __init__(self, *, facilities, indicators, allowed_facility_ids, districts):
        self.facilities = {}
        for facility in facilities:
            self.facilities[facility.slug.lower()] = facility
            self.facilities[facility.name.casefold()] = facility
        self.districts = {d.name.casefold() for d in districts} | {
            d.slug.lower() for d in districts
        }
        self.indicators = {}
        for indicator in indicators:
            self.indicators[indicator.code.casefold()] = indicator
            self.indicators[indicator.name.casefold()] = indicator
        self.allowed = set(allowed_facility_ids)
        self.seen: dict[tuple[int, int, datetime.date], int] = {}

    def check(self, row: RawRow) -> tuple[Checked | None, list[str]]:
        v = row.values
        long = [column for column, value in v.items() if len(value) > MAX_CELL]
        if long:
            return None, [
                _("A cell is too long (over %(max)s characters): “%(start)s…”.")
                % {"max": MAX_CELL, "start": v[column][:40]}
                for column in long
            ]
        problems: list[str] = []
        facility = self.facilities.get(v["org_unit"].casefold())
        if not v["org_unit"]:
            problems.append(_("The org unit is empty."))
        elif facility is None:
            if v["org_unit"].casefold() in self.districts:
                problems.append(
                    _("“%(name)s” is a district: data are entered per facility.")
                    % {"name": v["org_unit"]}
                )
            else:
                problems.append(
                    _("Unknown org unit “%(name)s”.") % {"name": v["org_unit"]}
                )
        elif facility.pk not in self.allowed:
            problems.append(
                _("You may not enter data for %(name)s.") % {"name": facility.name}
            )
        indicator = self.indicators.get(v["indicator"].casefold())
        if indicator is None:
            problems.append(
                _("Unknown indicator “%(name)s”.") % {"name": v["indicator"]}
                if v["indicator"]
                else _("The indicator is empty.")
            )
        elif not indicator.active:
            problems.append(
                _("%(code)s is retired and takes no new data.")
                % {"code": indicator.code}
            )
        period = parse_period(v["period"])
        if period is None:
            problems.append(
                _("“%(value)s” is not a month (write 202401, 2024-01 or January 2024).")
                % {"value": v["period"]}
            )
        numerator = parse_count(v["numerator"])
        denominator = parse_count(v["denominator"])
        if numerator is None:
            problems.append(
                _("The numerator “%(value)s” is not a whole number we can take.")
                % {"value": v["numerator"]}
            )
        if denominator is None:
            problems.append(
                _("The denominator “%(value)s” is not a whole number we can take.")
                % {"value": v["denominator"]}
            )
        problems.extend(
            str(message)
            for message in measurement_errors(
                period=period, numerator=numerator, denominator=denominator
            ).values()
        )
        if problems:
            return None, problems
        key = (facility.pk, indicator.pk, period)
        if key in self.seen:
            return None, [
                _("Same facility, indicator and month as row %(line)s.")
                % {"line": self.seen[key]}
            ]
        self.seen[key] = row.line
        return (
            Checked(
                line=row.line,
                facility_id=facility.pk,
                facility_name=facility.name,
                indicator_id=indicator.pk,
                indicator_code=indicator.code,
                period=period,
                numerator=numerator,
                denominator=denominator,
            ),
            [],
        )
