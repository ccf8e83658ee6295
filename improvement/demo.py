"""Demo improvement work: the indicator catalogue, 24 months of data for every demo
facility on four indicators, QI projects whose change ideas were adopted, adapted,
abandoned or are still being tested, and one published story.

Two series are written by hand rather than drawn at random, so the demo always shows:

* Hillside District Hospital, uterotonic after birth (MNH-03): a real shift above the
  baseline median after the first PDSA cycle of "pre-drawn oxytocin" (the story).
* Hillside District Hospital, early breastfeeding (MNH-08): five months above the median
  since skin-to-skin started; the next month entered high enough makes the sixth, and a
  shift appears (the browser journey enters it).

Idempotent: measurements are written only for months that have none, projects once by
title, cycles once by number, the story once.
"""

from __future__ import annotations

import datetime
import random

from community.models import Level, Organisation

from . import services
from .models import (
    Act,
    ChangeIdea,
    ImportJob,
    Indicator,
    Measurement,
    PDSACycle,
    Project,
    StoryPage,
    current_month,
)
from .selectors import months_between

MONTHS = 24
INDICATORS = ["MNH-03", "MNH-08", "MNH-09", "MNH-04"]
STORY_FACILITY = "hillside-district-hospital"
# Births a month, by the kind of facility a name suggests.
BIRTHS = {
    "hospital": 220,
    "centre": 70,
    "home": 45,
    "clinic": 30,
    "post": 12,
    "dispensary": 10,
}
# Typical level (percent, or stillbirths per 1,000 births) by indicator.
LEVELS = {"MNH-03": 0.74, "MNH-08": 0.58, "MNH-09": 0.46, "MNH-04": 0.019}

# Hand-written proportions for the two designed series (24 months, oldest first).
UTEROTONIC_HILLSIDE = [
    0.62, 0.58, 0.65, 0.60, 0.63, 0.57, 0.61, 0.66, 0.59, 0.64, 0.60, 0.59,
    0.71, 0.84, 0.88, 0.86, 0.90, 0.87, 0.91, 0.89, 0.92, 0.90, 0.93, 0.91,
]  # fmt: skip
BREASTFEEDING_HILLSIDE = [
    0.55, 0.52, 0.58, 0.54, 0.57, 0.51, 0.56, 0.53, 0.59, 0.55, 0.50, 0.57,
    0.54, 0.58, 0.52, 0.56, 0.53, 0.55, 0.49, 0.74, 0.78, 0.73, 0.77, 0.75,
]  # fmt: skip
DESIGNED = {
    (STORY_FACILITY, "MNH-03"): UTEROTONIC_HILLSIDE,
    (STORY_FACILITY, "MNH-08"): BREASTFEEDING_HILLSIDE,
}
UTEROTONIC_CHANGE_MONTH = 12  # index of the month PDSA 1 of pre-drawn oxytocin began
SKIN_TO_SKIN_MONTH = 19


def demo_months() -> list[datetime.date]:
    """The 24 months before this one (this month is left for members to enter)."""
    this = current_month()
    last = (this - datetime.timedelta(days=1)).replace(day=1)
    first = last
    for _ in range(MONTHS - 1):
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return months_between(first, last)


def _births(facility: Organisation) -> int:
    name = facility.name.lower()
    for word, births in BIRTHS.items():
        if word in name:
            return births
    return 40


def _series(facility: Organisation, code: str, months: list[datetime.date]):
    rng = random.Random(f"{facility.slug}:{code}")
    births = _births(facility)
    designed = DESIGNED.get((facility.slug, code))
    level = LEVELS[code] + rng.uniform(-0.08, 0.08) * (code != "MNH-04")
    for i, month in enumerate(months):
        denominator = max(3, round(births * rng.uniform(0.85, 1.15)))
        if designed:
            share = designed[i]
        elif code == "MNH-04":
            share = max(0.0, rng.gauss(level, level * 0.5))
        else:
            share = min(1.0, max(0.0, rng.gauss(level, 0.04)))
        yield month, round(denominator * share), denominator


def _measurements(context: dict, facilities: list[Organisation]) -> None:
    """Write missing months through the CSV import, as a facility would send them."""
    months = demo_months()
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=INDICATORS)}
    have = set(
        Measurement.objects.filter(
            facility__in=facilities, indicator__in=indicators.values()
        ).values_list("facility_id", "indicator__code", "period")
    )
    lines = ["org unit,period,indicator,numerator,denominator"]
    for facility in facilities:
        for code in INDICATORS:
            for month, numerator, denominator in _series(facility, code, months):
                if (facility.pk, code, month) not in have:
                    lines.append(
                        f"{facility.slug},{month:%Y%m},{code},{numerator},{denominator}"
                    )
    if len(lines) == 1:
        return
    admin = context["users"]["admin"]
    job = ImportJob.objects.create(
        created_by=admin,
        filename="demo-dhis2-export.csv",
        content="\n".join(lines),
        dry_run=False,
        total_rows=len(lines) - 1,
    )
    services.import_job_run(job=job)


def _day(months: list[datetime.date], index: int, day: int = 3) -> datetime.date:
    return months[index].replace(day=day)


# (facility, author, title, aim what, how much, indicator codes, shared, background,
#  [(idea title, description, [(plan, prediction, month index, do, study, act, why)])])
PROJECTS = [
    (
        STORY_FACILITY,
        "qi.member",
        "Oxytocin within one minute for every birth",
        "Every woman giving birth here receives a prophylactic uterotonic within one minute.",
        "from about 60% to 90%",
        ["MNH-03"],
        True,
        "Our postpartum haemorrhage reviews kept finding the same gap: oxytocin was in "
        "the fridge at the nurses' station, and by the time it reached the bed the "
        "first minute had passed.",
        [
            (
                "Pre-drawn oxytocin syringe in every delivery pack",
                "The midwife prepares the syringe when a woman enters the second stage.",
                [
                    (
                        "Day shift on the labour ward for one week: the midwife draws up "
                        "oxytocin when the woman is fully dilated and labels it.",
                        "At least 8 in 10 births get oxytocin within one minute.",
                        UTEROTONIC_CHANGE_MONTH,
                        "Syringes drawn at the start of the shift were sometimes unused "
                        "and thrown away.",
                        "71% within a minute in the test week, up from about 60%. "
                        "Drawing up at full dilation, not at shift start, avoided waste.",
                        Act.ADAPT,
                        "It works, but only if the syringe is drawn at full dilation; we "
                        "changed the instruction and tested on nights too.",
                    ),
                    (
                        "Day and night shifts for two weeks, syringe drawn at full "
                        "dilation, a cold box beside the delivery beds.",
                        "9 in 10 births within one minute, on both shifts.",
                        UTEROTONIC_CHANGE_MONTH + 1,
                        "Night staff asked for a second cold box.",
                        "88% within a minute across both shifts; no wasted doses.",
                        Act.ADOPT,
                        "Reached the aim on both shifts with no waste: now the standard "
                        "for every birth.",
                    ),
                ],
            ),
            (
                "Birth companion calls out the time of birth",
                "A companion, briefed on admission, says the time aloud at birth.",
                [
                    (
                        "Brief every companion on admission for one week.",
                        "Midwives hear the time and give oxytocin sooner.",
                        UTEROTONIC_CHANGE_MONTH + 2,
                        "Many companions were outside the room during the second stage.",
                        "No change in timing: the call came in fewer than 1 in 4 births.",
                        Act.ABANDON,
                        "Companions were often not in the room at the moment of birth; a "
                        "wall clock facing each bed did the same job better.",
                    )
                ],
            ),
        ],
    ),
    (
        STORY_FACILITY,
        "facility.lead",
        "Breastfeeding in the first hour",
        "Every baby born here breastfeeds within one hour of birth.",
        "from about 55% to 80%",
        ["MNH-08"],
        False,
        "Babies were weighed and dressed before they reached their mothers.",
        [
            (
                "Skin-to-skin in the delivery room; weigh after the first feed",
                "The baby goes straight onto the mother's chest; weighing waits.",
                [
                    (
                        "All births on the labour ward for a month; the midwife records "
                        "the time of the first feed.",
                        "7 in 10 babies feed within the hour.",
                        SKIN_TO_SKIN_MONTH,
                        "",
                        "",
                        "",
                        "",
                    )
                ],
            )
        ],
    ),
    (
        "lakeside-regional-hospital",
        "nurse.lakeside",
        "Uterotonic for every birth, on every shift",
        "Every woman receives a prophylactic uterotonic immediately after birth.",
        "from about 70% to 95%",
        ["MNH-03"],
        True,
        "",
        [
            (
                "Oxytocin kept in a small fridge on the labour ward",
                "Move the stock from the pharmacy fridge to the ward.",
                [
                    (
                        "Install the ward fridge and a temperature log for a month.",
                        "No more waiting for the pharmacy at night.",
                        14,
                        "The fridge stopped twice during power cuts.",
                        "Temperature log out of range on 9 days; no change in timing.",
                        Act.ABANDON,
                        "Without a reliable power supply the stock could not be kept "
                        "cold safely; we went back to the pharmacy fridge and a runner.",
                    )
                ],
            ),
            (
                "Uterotonic given by the second person at every birth",
                "Whoever assists the birth gives the injection, not the midwife "
                "catching the baby.",
                [
                    (
                        "Two weeks on all shifts; tally sheet on the ward door.",
                        "Timing improves when two people are present.",
                        17,
                        "At night there is often only one midwife.",
                        "Better on day shifts; unchanged at night.",
                        Act.ADAPT,
                        "Works when two people attend; at night the cleaner or a "
                        "companion now fetches the syringe instead.",
                    )
                ],
            ),
        ],
    ),
    (
        "port-amara-general-hospital",
        "midwife.coastal",
        "All four elements of essential newborn care",
        "Every newborn is dried, put skin-to-skin, has delayed cord clamping and "
        "breastfeeds in the first hour.",
        "from about 45% to 75%",
        ["MNH-09", "MNH-08"],
        True,
        "",
        [
            (
                "Checklist card clipped to each delivery bed",
                "Four ticks, one per element, filled in at the bedside.",
                [
                    (
                        "One month, all births.",
                        "More newborns get all four elements.",
                        15,
                        "Cards went missing; some ticked in advance.",
                        "Completion rose on days with the QI midwife on shift.",
                        Act.ADOPT,
                        "Simple and cheap; kept, with a laminated card fixed to the bed.",
                    )
                ],
            )
        ],
    ),
]

STORY = {
    "title": "Medicine in the first minute keeps mothers safe",
    "summary": "At Hillside District Hospital, more mothers now get the injection that "
    "prevents heavy bleeding within a minute of giving birth.",
    "body": """Heavy bleeding after birth is one of the main dangers for mothers. An
injection of oxytocin straight after the baby is born helps the womb contract and
prevents it. It works best when given within one minute.

Two years ago, about 6 in 10 mothers at our hospital got the injection that quickly.
The medicine was kept in a fridge at the nurses' station, and fetching it took time.

**What we changed.** Our midwives now prepare the injection as soon as a mother is
ready to push, and keep it in a cold box beside the bed. We tried this first on the
day shift, learned that it must be prepared at the right moment so none is wasted,
and then did it on every shift.

**What happened.** Today about 9 in 10 mothers get the injection within a minute of
birth, month after month. The chart below shows each month since we started counting.

We also tried asking birth companions to call out the time of birth. It did not help,
because companions were often outside the room, so we stopped. Trying and stopping
is part of improving.""",
}


def seed(context: dict) -> None:
    services.indicators_load()
    facilities = list(Organisation.objects.filter(level=Level.FACILITY).order_by("pk"))
    if not facilities:
        return
    _measurements(context, facilities)
    months = demo_months()
    users = context["users"]
    indicators = {i.code: i for i in Indicator.objects.all()}
    orgs = context["organisations"]
    projects = {}
    for (
        slug,
        author,
        title,
        aim,
        how_much,
        codes,
        shared,
        background,
        ideas,
    ) in PROJECTS:
        facility = orgs[slug]
        project = Project.objects.filter(facility=facility, title=title).first()
        if project is None:
            project = services.project_create(
                facility=facility,
                by=users[author],
                title=title,
                aim_what=aim,
                aim_how_much=how_much,
                aim_by_when=months[-1].replace(year=months[-1].year + 1),
                indicators=[indicators[c] for c in codes],
                background=background,
                team_note="Two midwives, the ward in-charge and a pharmacist",
            )
            if shared:
                services.project_share(project=project, by=users[author], shared=True)
        projects[title] = project
        for idea_title, description, cycles in ideas:
            idea = ChangeIdea.objects.filter(project=project, title=idea_title).first()
            if idea is None:
                idea = services.change_idea_create(
                    project=project,
                    by=users[author],
                    title=idea_title,
                    description=description,
                )
            for number, (plan, prediction, index, do, study, act, why) in enumerate(
                cycles, start=1
            ):
                if PDSACycle.objects.filter(change_idea=idea, number=number).exists():
                    continue
                cycle = services.cycle_create(
                    change_idea=idea,
                    by=users[author],
                    plan=plan,
                    prediction=prediction,
                    started_on=_day(months, index),
                )
                if act or do or study:
                    services.cycle_update(
                        cycle=cycle,
                        by=users[author],
                        plan=plan,
                        prediction=prediction,
                        started_on=cycle.started_on,
                        do_notes=do,
                        study=study,
                        act=act,
                        act_reason=why,
                        ended_on=_day(months, index, 24),
                    )
    _departments(context, projects, months)
    story_project = projects[PROJECTS[0][2]]
    if not StoryPage.objects.filter(project=story_project).exists():
        services.story_publish(
            project=story_project,
            by=users["facility.lead"],
            indicator=indicators["MNH-03"],
            **STORY,
        )


# Hillside's wards (``community.demo.DEPARTMENTS``): the labour ward runs the two
# projects above and adopted a shift-handover huddle; the newborn unit, running its own
# project, now tests the huddle too: a change spreading from one ward to the next.
HUDDLE = (
    "Ten-minute huddle at every shift handover",
    "Yesterday's births and this week's run chart on the ward whiteboard; one thing "
    "to watch on this shift.",
    (
        "Both shifts on the labour ward for two weeks.",
        "Every handover names one thing to watch, and staff can say this week's rate.",
        "Day staff kept it to ten minutes; night staff needed the whiteboard moved "
        "next to the desk.",
        "Held at 26 of 28 handovers; staff asked for it to stay.",
        "Kept: the huddle is how each shift now hears the week's numbers.",
    ),
)
NEWBORN_PROJECT = (
    "Kangaroo mother care for every small baby",
    "Every preterm or low-birth-weight baby starts kangaroo mother care on the unit.",
    "from about 40% to 80%",
    "MNH-10",
    "Mothers of small babies sat on plastic chairs for a few minutes at a time.",
    (
        "A reclining KMC chair beside every cot",
        "Borrow two reclining chairs from the maternity ward for a month.",
    ),
)


def _departments(context: dict, projects: dict, months) -> None:
    wards = context.get("departments") or {}
    labour, newborn = wards.get("Labour ward"), wards.get("Newborn unit")
    if labour is None or newborn is None:
        return
    users, orgs = context["users"], context["organisations"]
    facility = orgs[STORY_FACILITY]
    Project.objects.filter(
        pk__in=[projects[PROJECTS[0][2]].pk, projects[PROJECTS[1][2]].pk]
    ).update(department=labour)
    oxytocin = projects[PROJECTS[0][2]]
    title, description, (plan, prediction, do, study, why) = HUDDLE
    huddle = ChangeIdea.objects.filter(project=oxytocin, title=title).first()
    if huddle is None:
        huddle = services.change_idea_create(
            project=oxytocin,
            by=users["qi.member"],
            title=title,
            description=description,
        )
        cycle = services.cycle_create(
            change_idea=huddle,
            by=users["qi.member"],
            plan=plan,
            prediction=prediction,
            started_on=_day(months, UTEROTONIC_CHANGE_MONTH + 3),
        )
        services.cycle_update(
            cycle=cycle,
            by=users["qi.member"],
            plan=plan,
            prediction=prediction,
            started_on=cycle.started_on,
            do_notes=do,
            study=study,
            act=Act.ADOPT,
            act_reason=why,
            ended_on=_day(months, UTEROTONIC_CHANGE_MONTH + 3, 24),
        )
    name, aim, how_much, code, background, (idea_title, idea_text) = NEWBORN_PROJECT
    unit = Project.objects.filter(facility=facility, title=name).first()
    if unit is None:
        unit = services.project_create(
            facility=facility,
            department=newborn,
            by=users["qi.member"],
            title=name,
            aim_what=aim,
            aim_how_much=how_much,
            aim_by_when=months[-1].replace(year=months[-1].year + 1),
            indicators=list(Indicator.objects.filter(code=code)),
            background=background,
            team_note="The unit's nurses and a paediatric clinical officer",
        )
        chair = services.change_idea_create(
            project=unit, by=users["qi.member"], title=idea_title, description=""
        )
        services.cycle_create(
            change_idea=chair,
            by=users["qi.member"],
            plan=idea_text,
            prediction="Mothers stay in KMC for at least two hours at a time.",
            started_on=_day(months, len(months) - 2),
        )
    if not ChangeIdea.objects.filter(project=unit, spread_from=huddle).exists():
        spread = services.change_idea_spread(
            idea=huddle, project=unit, by=users["qi.member"]
        )
        services.cycle_create(
            change_idea=spread,
            by=users["qi.member"],
            plan="Day shift on the newborn unit for two weeks, with the KMC hours and "
            "the temperatures on admission on the whiteboard.",
            prediction="Each handover names the babies not yet in KMC.",
            started_on=_day(months, len(months) - 2, 10),
        )
