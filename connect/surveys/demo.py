"""The demo's survey: the national team asked every member what would help them learn
this year. Thirty-three members in three districts have answered (not Amina, the demo
practitioner, so that she can); one answer that many chose, postpartum haemorrhage
bundles, has become a planned learning need."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from ..models import LearningNeed, NeedState
from .models import Survey, SurveyChoice, SurveyInvitation
from .services import (
    QuestionDraft,
    need_from_choice,
    survey_answer,
    survey_open,
    survey_save,
)

TITLE = "What would help your team learn this year?"
INTRO = (
    "Tell us which topics and which ways of learning would help your team most. "
    "We plan next year's webinars, exchange visits and library guides from the "
    "answers. Five minutes; counted by district and facility, never with your name."
)
TOPICS = [
    "Neonatal resuscitation drills",
    "Postpartum haemorrhage bundles",
    "Running a PDSA cycle",
    "Using data at district meetings",
    "Respectful maternity care",
]
WAYS = ["Webinars", "Exchange visits", "Short guides in the library", "Forum talks"]
QUESTIONS = [
    QuestionDraft("Which topics would you most like help with?", True, tuple(TOPICS)),
    QuestionDraft("How would you rather learn?", False, tuple(WAYS)),
]
# Facility slug -> members who answered there (demo members first, then more).
ANSWERED = {
    "hillside-district-hospital": 7,
    "kato-health-centre": 6,
    "st-agnes-mission-hospital": 3,
    "mount-ravi-clinic": 2,
    "lakeside-regional-hospital": 5,
    "marina-health-centre": 2,
    "bayview-maternity-home": 3,
    "port-amara-general-hospital": 3,
    "dunes-health-centre": 2,
}
# Demo members who answered (key in the seed's users, facility slug).
DEMO_RESPONDENTS = [
    ("qi.member", "hillside-district-hospital"),
    ("facility.lead", "hillside-district-hospital"),
    ("safe.poster", "kato-health-centre"),
    ("midwife.kato", "kato-health-centre"),
    ("nurse.lakeside", "lakeside-regional-hospital"),
    ("nurse.marina", "marina-health-centre"),
    ("doctor.bayview", "bayview-maternity-home"),
    ("midwife.coastal", "port-amara-general-hospital"),
    ("midwife.dunes", "dunes-health-centre"),
]
FIRST_NAMES = [
    "Abena", "Blessing", "Chidi", "Dalia", "Efua", "Faith", "Gloria", "Halima",
    "Ines", "Jonas", "Kemi", "Lydia", "Moses", "Nadia", "Omar", "Patience",
    "Rahel", "Sipho", "Tendai", "Uche", "Violet", "Wanjiru", "Yaw", "Zainab",
    "Amara", "Bongani",
]  # fmt: skip


def _answers(number: int, district_slug: str, survey: Survey) -> dict[int, list[int]]:
    """Deterministic answers with a pattern a reader can see: Northern Hills wants
    help with haemorrhage, Lakeside with data, everyone likes exchange visits."""
    topics, ways = survey.questions.all()
    topic_choices = list(topics.choices.all())
    way_choices = list(ways.choices.all())
    preferred = {"northern-hills": 1, "lakeside": 3, "coastal-plains": 0}
    picked = {preferred.get(district_slug, 2), number % len(topic_choices)}
    if number % 3 == 0:
        picked.add(4)
    way = 1 if number % 2 == 0 else (0 if district_slug == "lakeside" else 2)
    return {
        topics.pk: [topic_choices[i].pk for i in sorted(picked)],
        ways.pk: [way_choices[way].pk],
    }


def seed(context: dict) -> None:
    users = context.get("users", {})
    orgs = context.get("organisations", {})
    national = users.get("national.team")
    if national is None or Survey.objects.filter(title=TITLE).exists():
        return
    from ..demo import _member

    respondents = [(users[key], slug) for key, slug in DEMO_RESPONDENTS if key in users]
    names = iter(FIRST_NAMES)
    for slug, wanted in ANSWERED.items():
        if slug not in orgs:
            continue
        have = sum(1 for _user, s in respondents if s == slug)
        for index in range(wanted - have):
            name = next(names, f"Member {slug}-{index}")
            email = f"{name.lower()}.{slug.split('-')[0]}@demo.example"
            respondents.append((_member(email, f"{name} (nurse)", orgs[slug]), slug))
    survey = survey_save(
        by=national, title=TITLE, intro=INTRO, closes_at=None, questions=QUESTIONS
    )
    survey.closes_at = timezone.now() + datetime.timedelta(days=21)
    survey.save(update_fields=["closes_at"])
    # Everyone counts as invited already: seeding sends no email storm.
    invited = SurveyInvitation.objects.bulk_create(
        SurveyInvitation(survey=survey, user=user, emailed_at=timezone.now())
        for user in get_user_model().objects.filter(is_active=True).exclude(email="")
    )
    Survey.objects.filter(pk=survey.pk).update(invited_count=len(invited))
    survey = survey_open(survey=survey, by=national)
    for number, (user, slug) in enumerate(respondents):
        district = orgs[slug].parent.slug
        survey_answer(
            survey=survey, user=user, choices=_answers(number, district, survey)
        )
    choice = SurveyChoice.objects.get(
        question__survey=survey, text="Postpartum haemorrhage bundles"
    )
    need = need_from_choice(
        choice=choice,
        by=national,
        title="Postpartum haemorrhage bundles in practice",
        description="Many facilities in the learning-needs survey asked for help "
        "putting the PPH bundle into practice: early detection, the first-response "
        "kit, and drills.",
        tags=["postpartum haemorrhage"],
    )
    from ..services import need_set_state

    need_set_state(
        need=LearningNeed.objects.get(pk=need.pk),
        by=national,
        state=NeedState.PLANNED,
        note="A webinar with Hillside's labour ward team is being prepared.",
    )
