"""Every write to improvement data goes through these functions.

Keyword-only, typed, ``<entity>_<verb>``; each checks permission when given the acting
user (``by``), validates with ``full_clean()`` and writes atomically.
"""

from __future__ import annotations

import copy
import datetime
import logging
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from community.models import Organisation

from . import importer, permissions
from .conf import setting
from .models import (
    ACT_STATE,
    ChangeIdea,
    ChangeState,
    FacilityStoriesPage,
    ImportJob,
    ImportStatus,
    Indicator,
    Measurement,
    PDSACycle,
    Project,
    Source,
    StoriesIndexPage,
    StoryPage,
    month_start,
)

logger = logging.getLogger(__name__)

# --- Indicators -----------------------------------------------------------------------

INDICATOR_FIELDS = (
    "code",
    "name",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "multiplier",
    "direction",
    "category",
    "source",
    "active",
)


@transaction.atomic
def indicator_save(
    *, indicator: Indicator | None = None, by=None, **fields
) -> Indicator:
    """Create or change a catalogue entry (the national team's job)."""
    if by is not None:
        permissions.check_edit_indicators(by)
    indicator = indicator or Indicator()
    for name, value in fields.items():
        if name not in INDICATOR_FIELDS:
            raise TypeError(f"unknown indicator field {name!r}")
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    return indicator


def multiplier_for(unit: str) -> int:
    """100 for percentages, otherwise the "per N" of the unit (per 1000, per 100000)."""
    digits = "".join(ch for ch in unit if ch.isdigit())
    return int(digits) if digits and "per" in unit.lower() else 100


# --- Measurements ---------------------------------------------------------------------


class MeasurementExists(Exception):
    """The month already has numbers, and the caller did not confirm replacing the
    version it was shown (``measurement_version``). Carries the current one, so the
    form can show it and ask."""

    def __init__(self, measurement: Measurement):
        super().__init__(str(measurement))
        self.measurement = measurement


def measurement_version(measurement: Measurement) -> str:
    """What a person saw of a month's numbers: confirming a replacement names it, and
    a replacement of anything else (changed meanwhile by someone) is refused."""
    stamp = int(measurement.updated_at.timestamp() * 1_000_000)
    return f"{measurement.pk}.{measurement.numerator}.{measurement.denominator}.{stamp}"


@transaction.atomic
def measurement_record(
    *,
    facility: Organisation,
    indicator: Indicator,
    period: datetime.date,
    numerator: int,
    denominator: int,
    by=None,
    source: str = Source.FORM,
    replaces: str | None = None,
) -> tuple[Measurement, bool]:
    """Record a month's numbers; (measurement, created).

    A month that has numbers already is replaced only when ``replaces`` is the
    ``measurement_version`` the person was shown; otherwise ``MeasurementExists``.
    Nothing is silently overwritten, even by two people at once: the unique constraint
    turns a second first entry into ``MeasurementExists``, and a replacement is a
    conditional update of the row as it was shown (on a row lock where the database
    has them). A replacement is written to the audit log, old → new.
    """
    if by is not None:
        permissions.check_enter_measurements(by, facility)
    period = month_start(period)
    entry = Measurement(
        facility=facility,
        indicator=indicator,
        period=period,
        numerator=numerator,
        denominator=denominator,
        entered_by=by,
        source=source,
    )
    # The month's uniqueness is the database's to enforce (below), not a read here.
    entry.full_clean(validate_unique=False, validate_constraints=False)
    key = {"facility": facility, "indicator": indicator, "period": period}
    current = Measurement.objects.select_for_update().filter(**key).first()
    if current is None:
        try:
            with transaction.atomic():  # a savepoint: someone may have just saved it
                entry.save()
        except IntegrityError:
            raise MeasurementExists(Measurement.objects.get(**key)) from None
        return entry, True
    if (current.numerator, current.denominator) == (numerator, denominator):
        return current, False  # the same numbers: nothing to replace
    if replaces != measurement_version(current):
        raise MeasurementExists(current)
    replaced = Measurement.objects.filter(
        pk=current.pk,
        numerator=current.numerator,
        denominator=current.denominator,
        updated_at=current.updated_at,
    ).update(
        numerator=numerator,
        denominator=denominator,
        entered_by=by,
        source=source,
        updated_at=timezone.now(),
    )
    if not replaced:  # changed between the read and the write (no row locks here)
        raise MeasurementExists(Measurement.objects.get(pk=current.pk))
    old = current
    current = Measurement.objects.get(pk=current.pk)
    _log_replacement(old=old, new=current, by=by)
    return current, False


def _log_replacement(*, old: Measurement, new: Measurement, by) -> None:
    from wagtail.log_actions import log

    log(
        instance=new,
        action="improvement.measurement_replace",
        user=by,
        data={
            "period": new.period.isoformat(),
            "old": {
                "numerator": old.numerator,
                "denominator": old.denominator,
                "entered_by": old.entered_by_id,
                "source": old.source,
                "updated_at": old.updated_at.isoformat(),
            },
            "new": {
                "numerator": new.numerator,
                "denominator": new.denominator,
                "source": new.source,
            },
        },
    )


# --- CSV import -------------------------------------------------------------------------


def import_job_create(*, by, filename: str, content: str, dry_run: bool) -> ImportJob:
    """Keep the file and queue its processing; the status page follows it.

    The header is checked now, so a wrong file is refused before any waiting.
    """
    total, _rows = importer.read_rows(content)
    job = ImportJob.objects.create(
        created_by=by,
        filename=filename[:255],
        content=content,
        dry_run=dry_run,
        total_rows=total,
    )
    _enqueue(job)
    return job


def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Import for real the file a dry run checked."""
    if job.created_by_id != by.pk:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("This import belongs to someone else."))
    confirmed = ImportJob.objects.create(
        created_by=by,
        filename=job.filename,
        content=job.content,
        dry_run=False,
        preview_of=job,
        total_rows=job.total_rows,
    )
    _enqueue(confirmed)
    return confirmed


def _enqueue(job: ImportJob) -> None:
    from .tasks import run_import

    transaction.on_commit(lambda: run_import.enqueue(job.pk))


def import_job_run(*, job: ImportJob, progress=None) -> ImportJob:
    """Check every row and (unless a dry run) write the good ones, chunk by chunk.

    Each chunk commits on its own and moves the progress counters, so the status page
    (another request, maybe another machine) sees the bar grow. ``progress`` is called
    with (processed, total) after each chunk, for the management command.
    """
    if job.status != ImportStatus.PENDING:
        return job
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    job.status = ImportStatus.RUNNING
    try:
        _run(job, progress)
    except Exception as error:  # a broken file must not leave the bar spinning
        logger.exception("import %s failed", job.pk)
        job.status = ImportStatus.FAILED
        job.message = (
            str(error)
            if isinstance(error, importer.HeaderError)
            else _(
                "The import stopped on an unexpected error; nothing more was written."
            )
        )
    else:
        job.status = ImportStatus.DONE
    job.finished_at = timezone.now()
    job.save(update_fields=[*PROGRESS_FIELDS, "status", "message", "finished_at"])
    return job


def _run(job: ImportJob, progress) -> None:
    user = job.created_by
    total, rows = importer.read_rows(job.content)
    checker = importer.RowChecker(
        facilities=Organisation.objects.facilities(),
        districts=Organisation.objects.districts(),
        indicators=Indicator.objects.all(),
        allowed_facility_ids=permissions.facilities_for_entry(user).values_list(
            "pk", flat=True
        ),
    )
    chunk_size = setting("IMPORT_CHUNK_ROWS")
    max_errors = setting("IMPORT_MAX_ERRORS")
    preview_rows = setting("IMPORT_PREVIEW_ROWS")
    job.total_rows = total
    job.errors, job.preview = [], []
    chunk: list[importer.RawRow] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= chunk_size:
            _chunk(job, checker, chunk, max_errors, preview_rows)
            chunk = []
            if progress:
                progress(job.processed_rows, total)
    if chunk:
        _chunk(job, checker, chunk, max_errors, preview_rows)
    if progress:
        progress(job.processed_rows, total)


PROGRESS_FIELDS = [
    "total_rows",
    "processed_rows",
    "created_count",
    "updated_count",
    "unchanged_count",
    "error_count",
    "errors",
    "preview",
]


@transaction.atomic
def _chunk(job, checker, chunk, max_errors: int, preview_rows: int) -> None:
    good: list[importer.Checked] = []
    for row in chunk:
        checked, problems = checker.check(row)
        if problems:
            job.error_count += 1
            if len(job.errors) < max_errors:
                job.errors.append({"row": row.line, "messages": problems})
        else:
            good.append(checked)
    # A real import locks the rows it replaces, so a form saving the same month waits
    # and then sees the imported numbers (and asks) instead of being overwritten.
    existing = _existing(good, lock=not job.dry_run)
    to_create, to_update, replaced = [], [], []
    for item in good:
        key = (item.facility_id, item.indicator_id, item.period)
        current = existing.get(key)
        if current is None:
            action = "create"
            to_create.append(
                Measurement(
                    facility_id=item.facility_id,
                    indicator_id=item.indicator_id,
                    period=item.period,
                    numerator=item.numerator,
                    denominator=item.denominator,
                    source=Source.IMPORT,
                    entered_by=job.created_by,
                )
            )
            job.created_count += 1
        elif (current.numerator, current.denominator) == (
            item.numerator,
            item.denominator,
        ):
            action = "unchanged"
            job.unchanged_count += 1
        else:
            action = "update"
            replaced.append(copy.copy(current))
            current.numerator, current.denominator = item.numerator, item.denominator
            current.source, current.entered_by = Source.IMPORT, job.created_by
            current.updated_at = timezone.now()  # bulk_update skips auto_now
            to_update.append(current)
            job.updated_count += 1
        if len(job.preview) < preview_rows:
            row = {
                "row": item.line,
                "facility": item.facility_name,
                "indicator": item.indicator_code,
                "period": item.period.isoformat(),
                "numerator": item.numerator,
                "denominator": item.denominator,
                "action": action,
            }
            if action == "update":  # the preview shows what would be replaced
                old = replaced[-1]
                row["old"] = f"{old.numerator}/{old.denominator}"
            job.preview.append(row)
    if not job.dry_run:
        Measurement.objects.bulk_create(to_create)
        Measurement.objects.bulk_update(
            to_update,
            ["numerator", "denominator", "source", "entered_by", "updated_at"],
        )
        for old, new in zip(replaced, to_update, strict=True):
            _log_replacement(old=old, new=new, by=job.created_by)
    job.processed_rows += len(chunk)
    job.save(update_fields=PROGRESS_FIELDS)


def _existing(good: list[importer.Checked], *, lock: bool = False) -> dict:
    if not good:
        return {}
    condition = Q()
    for item in good:
        condition |= Q(
            facility_id=item.facility_id,
            indicator_id=item.indicator_id,
            period=item.period,
        )
    rows = Measurement.objects.filter(condition)
    if lock:
        rows = rows.select_for_update()
    return {(m.facility_id, m.indicator_id, m.period): m for m in rows}


# --- Projects, change ideas, PDSA cycles ----------------------------------------------


@transaction.atomic
def project_create(
    *,
    facility: Organisation,
    by,
    title: str,
    aim_what: str,
    aim_how_much: str,
    aim_by_when: datetime.date,
    indicators: Iterable[Indicator],
    background: str = "",
    team: Iterable = (),
    team_note: str = "",
    department=None,
) -> Project:
    permissions.check_document(by, facility)
    project = Project(
        facility=facility,
        department=department,
        title=title,
        aim_what=aim_what,
        aim_how_much=aim_how_much,
        aim_by_when=aim_by_when,
        background=background,
        team_note=team_note,
        created_by=by,
    )
    project.full_clean()
    project.save()
    project.indicators.set(indicators)
    project.team.set({*team, by})
    return project


@transaction.atomic
def project_update(
    *,
    project: Project,
    by,
    title: str,
    aim_what: str,
    aim_how_much: str,
    aim_by_when: datetime.date,
    indicators: Iterable[Indicator],
    background: str = "",
    team: Iterable = (),
    team_note: str = "",
    department=None,
) -> Project:
    permissions.check_document(by, project.facility)
    project.department = department
    project.title = title
    project.aim_what = aim_what
    project.aim_how_much = aim_how_much
    project.aim_by_when = aim_by_when
    project.background = background
    project.team_note = team_note
    project.full_clean()
    project.save()
    project.indicators.set(indicators)
    project.team.set(team)
    return project


def project_share(*, project: Project, by, shared: bool) -> Project:
    """Share the project with every member, or take it back to the facility."""
    permissions.check_document(by, project.facility)
    project.shared = shared
    project.save(update_fields=["shared", "updated_at"])
    return project


@transaction.atomic
def change_idea_create(
    *, project: Project, by, title: str, description: str = ""
) -> ChangeIdea:
    permissions.check_document(by, project.facility)
    idea = ChangeIdea(project=project, title=title, description=description)
    idea.full_clean()
    idea.save()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return idea


@transaction.atomic
def change_idea_spread(*, idea: ChangeIdea, project: Project, by) -> ChangeIdea:
    """Try ``idea`` in another project of the same facility (another ward's): a new
    change idea that starts being tested, and remembers where it came from."""
    permissions.check_document(by, project.facility)
    source = idea.project
    if project.facility_id != source.facility_id:
        raise ValidationError(
            {"project": _("A change idea spreads within its facility only.")}
        )
    from .selectors import idea_family

    # Two taps at once: the second waits for the first, then finds its copy.
    Project.objects.select_for_update().filter(pk=project.pk).first()
    if idea_family(idea).filter(project=project).exists():
        raise ValidationError(
            {
                "project": _("“%(project)s” is already trying this change idea.")
                % {"project": project}
            }
        )
    spread = ChangeIdea(
        project=project,
        title=idea.title,
        description=idea.description,
        spread_from_id=idea.spread_from_id or idea.pk,
    )
    spread.full_clean()
    spread.save()
    Project.objects.filter(pk=project.pk).update(updated_at=timezone.now())
    return spread


@transaction.atomic
def cycle_create(
    *,
    change_idea: ChangeIdea,
    by,
    plan: str,
    prediction: str,
    started_on: datetime.date,
) -> PDSACycle:
    permissions.check_document(by, change_idea.project.facility)
    last = change_idea.cycles.order_by("-number").values_list("number", flat=True)
    cycle = PDSACycle(
        change_idea=change_idea,
        number=(last.first() or 0) + 1,
        plan=plan,
        prediction=prediction,
        started_on=started_on,
        created_by=by,
    )
    cycle.full_clean()
    cycle.save()
    _refresh_state(change_idea)
    return cycle


@transaction.atomic
def cycle_update(
    *,
    cycle: PDSACycle,
    by,
    plan: str,
    prediction: str,
    started_on: datetime.date,
    do_notes: str = "",
    study: str = "",
    act: str = "",
    act_reason: str = "",
    ended_on: datetime.date | None = None,
) -> PDSACycle:
    """Record what happened, what was learned, and what the team decided."""
    permissions.check_document(by, cycle.change_idea.project.facility)
    cycle.plan = plan
    cycle.prediction = prediction
    cycle.started_on = started_on
    cycle.do_notes = do_notes
    cycle.study = study
    cycle.act = act
    cycle.act_reason = act_reason
    cycle.ended_on = ended_on or (timezone.localdate() if act else None)
    cycle.full_clean()
    cycle.save()
    _refresh_state(cycle.change_idea)
    return cycle


def _refresh_state(idea: ChangeIdea) -> None:
    """An idea's state is the act of its latest decided cycle (kept for the registry's
    filters); a newer undecided cycle means it is being tested again."""
    latest = idea.cycles.order_by("-number").first()
    if latest is None or not latest.act:
        idea.state, idea.state_reason = ChangeState.TESTING, ""
    else:
        idea.state, idea.state_reason = ACT_STATE[latest.act], latest.act_reason
    idea.save(update_fields=["state", "state_reason", "updated_at"])
    Project.objects.filter(pk=idea.project_id).update(updated_at=timezone.now())


# --- Public stories ------------------------------------------------------------------


def stories_section(*, facility: Organisation) -> FacilityStoriesPage:
    """The facility's section under the stories index, made on first use."""
    section = FacilityStoriesPage.objects.filter(facility=facility).first()
    if section is not None:
        return section
    index = StoriesIndexPage.objects.first()
    if index is None:
        from wagtail.models import Page, Site

        site = Site.objects.filter(is_default_site=True).first()
        parent = site.root_page if site else Page.get_first_root_node()
        index = StoriesIndexPage(
            title=_("Improvement stories"),
            slug="improvement-stories",
            intro=_(
                "How health workers in our facilities made care safer for mothers "
                "and newborns, told for families and communities."
            ),
        )
        parent.add_child(instance=index)
        index.save_revision().publish()
    section = FacilityStoriesPage(
        title=facility.name, slug=slugify(facility.slug)[:200], facility=facility
    )
    index.add_child(instance=section)
    section.save_revision().publish()
    return section


@transaction.atomic
def story_publish(
    *,
    project: Project,
    by,
    title: str,
    summary: str,
    body: str,
    indicator: Indicator | None = None,
) -> StoryPage:
    """Publish a plain-language story of a project, with its run chart, for all."""
    permissions.check_publish_story(by, project.facility)
    section = stories_section(facility=project.facility)
    base = slugify(title)[:180] or "story"
    slug, n = base, 1
    while section.get_children().filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    story = StoryPage(
        title=title,
        slug=slug,
        summary=summary,
        body=body,
        facility=project.facility,
        project=project,
        indicator=indicator,
        owner=by,
    )
    section.add_child(instance=story)
    # The capability map allowed it above; Wagtail page permissions are for editors.
    story.save_revision(user=by).publish(user=by, skip_permission_checks=True)
    return story


# --- The catalogue from a CSV ---------------------------------------------------------

CATALOGUE_CSV = "indicators.csv"


def indicators_load(*, path=None, update: bool = False) -> tuple[int, int]:
    """Load the indicator catalogue from a CSV (code, name, definition, numerator,
    denominator, unit, direction, category, source); (created, updated).

    Existing entries are left as the national team edited them unless ``update``.
    """
    import csv
    from pathlib import Path

    path = Path(path) if path else Path(__file__).parent / "data" / CATALOGUE_CSV
    created = updated = 0
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            fields = {
                "name": row["name"].strip(),
                "definition": row["definition"].strip(),
                "numerator": row["numerator"].strip(),
                "denominator": row["denominator"].strip(),
                "unit": row["unit"].strip(),
                "multiplier": multiplier_for(row["unit"]),
                "direction": row["direction"].strip(),
                "category": row.get("category", "").strip(),
                "source": row["source"].strip(),
            }
            existing = Indicator.objects.filter(code=row["code"].strip()).first()
            if existing is None:
                indicator_save(code=row["code"].strip(), **fields)
                created += 1
            elif update:
                indicator_save(indicator=existing, **fields)
                updated += 1
    return created, updated
