"""The district's meeting cadence: does each facility meet and share every 2–3 months?

Per facility, never per person. A facility "attended" a sharing event when anyone
registered for it from that facility (``Registration.facility``, where they worked when
they registered) was marked as having come; nothing here reads or returns who.

Months are counted in the district's time zone: a meeting at 00:30 on Monday 1 June
in Nairobi (UTC+3) is 21:30 UTC on Sunday 31 May, and counts as a June meeting. The
zone is the district's (its country's, ``community.zones.organisation_zone``, the zone its
members read times in); ``settings.EVENTS["CADENCE_TIMEZONES"]`` (by district or country
slug, or ``"default"``) overrides it where a host needs to.

Thresholds (months since the last attended event) are ``CADENCE_DUE_MONTHS`` (2: time
to plan the next one) and ``CADENCE_OVERDUE_MONTHS`` (3: overdue), also read from
``settings.EVENTS``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import permissions as cp
from community import zones
from community.models import Level, Organisation

from .conf import setting
from .models import (
    CadenceInvite,
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from .visits.notices import leads_of, notify

# Every kind of event where facilities meet and share counts.
SHARING_KINDS = (
    EventKind.COLLABORATIVE,
    EventKind.EXCHANGE_VISIT,
    EventKind.WEBINAR,
    EventKind.LEARNING_SESSION,
)

OK, OVERDUE, NEVER = "ok", "overdue", "never"
STATE_LABELS = {
    OK: gettext_lazy("On track"),
    OVERDUE: gettext_lazy("Overdue"),
    NEVER: gettext_lazy("Never met"),
}


def conf(name: str):
    return setting(name)


def district_zone(district: Organisation) -> ZoneInfo:
    """The district's zone: a ``CADENCE_TIMEZONES`` override, else the one its
    members read times in (the district's or its country's, else the site's)."""
    overrides = conf("CADENCE_TIMEZONES") or {}
    country = district.parent
    for key in (district.slug, country.slug if country else None, "default"):
        if key and key in overrides:
            zone = zones.zone_or_none(overrides[key])
            if zone is not None:
                return zone
            break
    return zones.organisation_zone(district)


def month_of(moment: datetime.datetime, zone: ZoneInfo) -> datetime.date:
    """The first day of the month ``moment`` falls in, in ``zone``."""
    local = moment.astimezone(zone)
    return datetime.date(local.year, local.month, 1)


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def months_between(earlier: datetime.date, later: datetime.date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s month."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def state_for(
    last: datetime.datetime | None, now: datetime.datetime, zone: ZoneInfo
) -> str:
    """OK when the last attended event is within ``CADENCE_OVERDUE_MONTHS`` calendar
    months (its local date no earlier than today's local date that many months ago)."""
    if last is None:
        return NEVER
    local_now = now.astimezone(zone).date()
    local_last = last.astimezone(zone).date()
    limit = _minus_months(local_now, conf("CADENCE_OVERDUE_MONTHS"))
    return OK if local_last >= limit else OVERDUE


def _minus_months(day: datetime.date, n: int) -> datetime.date:
    first = add_months(datetime.date(day.year, day.month, 1), -n)
    following = add_months(first, 1)
    last_day = (following - datetime.timedelta(days=1)).day
    return first.replace(day=min(day.day, last_day))


@dataclass
class FacilityCadence:
    facility: Organisation
    state: str
    last_at: datetime.datetime | None = None
    last_kind: str = ""
    next_at: datetime.datetime | None = None
    next_kind: str = ""
    due_soon: bool = False  # ok, but past the "plan the next one" mark, none booked
    months: list[int] = field(default_factory=list)  # events attended, per month

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def last_kind_label(self) -> str:
        return EventKind(self.last_kind).label if self.last_kind else ""

    @property
    def next_kind_label(self) -> str:
        return EventKind(self.next_kind).label if self.next_kind else ""


@dataclass
class DistrictCadence:
    district: Organisation
    zone: ZoneInfo
    months: list[datetime.date]
    rows: list[FacilityCadence]
    now: datetime.datetime

    @property
    def overdue(self) -> list[FacilityCadence]:
        return [r for r in self.rows if r.state in (OVERDUE, NEVER)]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def counts(self) -> dict[str, int]:
        return {state: self.count(state) for state in (OK, OVERDUE, NEVER)}


def district_cadence(
    district: Organisation, *, now: datetime.datetime | None = None
) -> DistrictCadence:
    """Every facility of ``district``: last sharing event attended, next registered,
    its state, and events attended per month over the last 12 months. Three queries
    whatever the number of facilities."""
    now = now or timezone.now()
    zone = district_zone(district)
    shown = conf("CADENCE_MONTHS_SHOWN")
    this_month = month_of(now, zone)
    months = [add_months(this_month, -i) for i in range(shown - 1, -1, -1)]
    facilities = list(
        Organisation.objects.filter(parent=district, level=Level.FACILITY).order_by(
            "name"
        )
    )
    ids = [f.pk for f in facilities]
    base = Registration.objects.filter(
        facility_id__in=ids,
        event__kind__in=SHARING_KINDS,
        event__status=EventStatus.SCHEDULED,
    )
    attended = (
        base.filter(attended=True, event__starts_at__lte=now)
        .values_list("facility_id", "event_id", "event__starts_at", "event__kind")
        .distinct()
    )
    upcoming = (
        base.filter(status=RegistrationStatus.REGISTERED, event__starts_at__gt=now)
        .values_list("facility_id", "event_id", "event__starts_at", "event__kind")
        .distinct()
    )
    per_month: dict[int, dict[datetime.date, int]] = {pk: {} for pk in ids}
    last: dict[int, tuple[datetime.datetime, str]] = {}
    for facility_id, _event_id, starts_at, kind in attended:
        month = month_of(starts_at, zone)
        counts = per_month[facility_id]
        counts[month] = counts.get(month, 0) + 1
        if facility_id not in last or starts_at > last[facility_id][0]:
            last[facility_id] = (starts_at, kind)
    following: dict[int, tuple[datetime.datetime, str]] = {}
    for facility_id, _event_id, starts_at, kind in upcoming:
        if facility_id not in following or starts_at < following[facility_id][0]:
            following[facility_id] = (starts_at, kind)
    due_limit = _minus_months(now.astimezone(zone).date(), conf("CADENCE_DUE_MONTHS"))
    rows = []
    for facility in facilities:
        last_at, last_kind = last.get(facility.pk, (None, ""))
        next_at, next_kind = following.get(facility.pk, (None, ""))
        state = state_for(last_at, now, zone)
        rows.append(
            FacilityCadence(
                facility=facility,
                state=state,
                last_at=last_at,
                last_kind=last_kind,
                next_at=next_at,
                next_kind=next_kind,
                due_soon=state == OK
                and next_at is None
                and last_at.astimezone(zone).date() < due_limit,
                months=[per_month[facility.pk].get(m, 0) for m in months],
            )
        )
    return DistrictCadence(
        district=district, zone=zone, months=months, rows=rows, now=now
    )


def viewable_districts(user):
    """Districts whose cadence the user may see (their own, or all for the national
    team)."""
    return (
        cp.organisations_where(user, cp.Cap.VIEW_DISTRICT_DATA)
        .filter(level=Level.DISTRICT)
        .select_related("parent")
        .order_by("name")
    )


def next_collaborative(district: Organisation, *, now=None) -> Event | None:
    now = now or timezone.now()
    return (
        Event.objects.filter(
            organiser=district,
            kind=EventKind.COLLABORATIVE,
            status=EventStatus.SCHEDULED,
            starts_at__gt=now,
        )
        .order_by("starts_at", "pk")
        .first()
    )


@transaction.atomic
def cadence_invite(
    *, district: Organisation, facility: Organisation, by
) -> CadenceInvite:
    """Invite a facility (its leads) to the district's next collaborative, or tell
    them one is coming when none is scheduled yet."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if not cp.can_view_district_data(by, district):
        raise PermissionDenied(_("You may not follow this district's cadence."))
    if facility.parent_id != district.pk or facility.level != Level.FACILITY:
        raise ValidationError(_("This facility is not in the district."))
    invite = CadenceInvite.objects.create(
        facility=facility, district=district, event=next_collaborative(district), by=by
    )
    notify(users=leads_of(facility), kind="invite", invite=invite)
    return invite


# --- The heat map: facility × month, server-rendered SVG --------------------------

CELL_W, CELL_H, LABEL_W, HEAD_H = 34, 22, 190, 34
# Scaled to a 360 px phone, that drawing (602 units wide) would show its 12 px text at
# about 6 px. The phone drawing puts each facility's name on its own line above its
# row of cells and is 312 units wide, so a phone shows it at its own size; the page
# swaps the two below 40em (``.heat--two`` in visits.css).
PHONE_CELL_W, PHONE_ROW_H, PHONE_HEAD_H = 26, 40, 22
LABEL_CHARS, PHONE_LABEL_CHARS = 28, 44


@dataclass
class Cell:
    x: int
    y: int
    count: int
    level: int  # 0 none, 1 one, 2 two or more
    title: str


@dataclass
class HeatRow:
    label: str
    y: int
    text_y: int
    cells: list[Cell]
    name: str = ""  # the whole name, when ``label`` had to shorten it


@dataclass
class HeatMap:
    uid: str
    title: str
    desc: str
    width: int
    height: int
    columns: list[tuple[int, str]]  # x centre, short month label
    rows: list[HeatRow]
    head_y: int = HEAD_H - 10
    cell_w: int = CELL_W - 2
    cell_h: int = CELL_H - 2
    phone: HeatMap | None = None  # the same map drawn for a narrow screen


def _label(name: str, limit: int) -> tuple[str, str]:
    """(what fits, the whole name when it did not fit)."""
    if len(name) <= limit:
        return name, ""
    return name[: limit - 1].rstrip() + "…", name


def _phone_map(full: HeatMap, labels: list[str]) -> HeatMap:
    rows = []
    for i, row in enumerate(full.rows):
        top = PHONE_HEAD_H + i * PHONE_ROW_H
        label, name = _label(row.name or row.label, PHONE_LABEL_CHARS)
        rows.append(
            HeatRow(
                label=label,
                name=name,
                y=top + 18,
                text_y=top + 13,
                cells=[
                    Cell(
                        x=j * PHONE_CELL_W,
                        y=top + 18,
                        count=cell.count,
                        level=cell.level,
                        title=cell.title,
                    )
                    for j, cell in enumerate(row.cells)
                ],
            )
        )
    return HeatMap(
        uid=f"{full.uid}-phone",
        title=full.title,
        desc=full.desc,
        width=PHONE_CELL_W * len(labels),
        height=PHONE_HEAD_H + PHONE_ROW_H * max(len(rows), 1),
        columns=[
            (j * PHONE_CELL_W + PHONE_CELL_W // 2, label)
            for j, label in enumerate(labels)
        ],
        rows=rows,
        head_y=PHONE_HEAD_H - 8,
        cell_w=PHONE_CELL_W - 2,
        cell_h=18,
    )


def heat_map(cadence: DistrictCadence) -> HeatMap:
    labels = [date_format(m, "M") for m in cadence.months]
    long_labels = [date_format(m, "F Y") for m in cadence.months]
    rows = []
    for i, row in enumerate(cadence.rows):
        y = HEAD_H + i * CELL_H
        cells = []
        for j, count in enumerate(row.months):
            cells.append(
                Cell(
                    x=LABEL_W + j * CELL_W,
                    y=y,
                    count=count,
                    level=min(count, 2),
                    title=_("%(facility)s, %(month)s: %(count)s events attended")
                    % {
                        "facility": row.facility.name,
                        "month": long_labels[j],
                        "count": count,
                    },
                )
            )
        label, name = _label(row.facility.name, LABEL_CHARS)
        rows.append(
            HeatRow(
                label=label,
                name=name,
                y=y,
                text_y=y + CELL_H // 2 + 4,
                cells=cells,
            )
        )
    met = sum(1 for r in cadence.rows if any(r.months))
    desc = _(
        "Sharing events attended by each facility of %(district)s, month by month, "
        "from %(first)s to %(last)s. %(met)s of %(total)s facilities attended at "
        "least one. Darker cells mean more events; the table below gives the numbers."
    ) % {
        "district": cadence.district.name,
        "first": long_labels[0] if long_labels else "",
        "last": long_labels[-1] if long_labels else "",
        "met": met,
        "total": len(cadence.rows),
    }
    full = HeatMap(
        uid=f"cadence-{cadence.district.pk}",
        title=_("Meetings attended per month, %(district)s")
        % {"district": cadence.district.name},
        desc=desc,
        width=LABEL_W + CELL_W * len(cadence.months) + 4,
        height=HEAD_H + CELL_H * max(len(cadence.rows), 1) + 4,
        columns=[
            (LABEL_W + j * CELL_W + CELL_W // 2, label)
            for j, label in enumerate(labels)
        ],
        rows=rows,
    )
    full.phone = _phone_map(full, labels)
    return full
