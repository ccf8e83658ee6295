"""Learning-needs surveys: who writes, sends, answers and reads them; answers counted
once; results as folded groups that never point at a person; CSV; an answer turned
into a learning need whose supporters are the members who chose it."""

import csv
import io
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from community.models import Role
from connect.models import NeedNotice, NeedState
from connect.surveys import permissions, services
from connect.surveys.models import Survey, SurveyChoice, SurveyResponse
from connect.surveys.results import fold, tally
from connect.surveys.services import QuestionDraft
from tests.factories import member

pytestmark = pytest.mark.django_db

QUESTIONS = [
    QuestionDraft("Which topics?", True, ("Resuscitation", "Haemorrhage", "Data use")),
    QuestionDraft("How would you learn?", False, ("Webinars", "Visits")),
]


def _draft(by, **kwargs):
    return services.survey_save(
        by=by,
        title=kwargs.pop("title", "What would help?"),
        intro="Tell us.",
        closes_at=None,
        questions=kwargs.pop("questions", QUESTIONS),
        **kwargs,
    )


@pytest.fixture
def survey(national_team, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return services.survey_open(survey=_draft(national_team), by=national_team)


def _choices(survey, topics=(0,), way=0) -> dict[int, list[int]]:
    topics_q, ways_q = survey.questions.all()
    topic_choices = list(topics_q.choices.all())
    return {
        topics_q.pk: [topic_choices[i].pk for i in topics],
        ways_q.pk: [list(ways_q.choices.all())[way].pk],
    }


def _answer(survey, user, **kwargs):
    return services.survey_answer(
        survey=survey, user=user, choices=_choices(survey, **kwargs)
    )


def _crowd(survey, organisation, n, prefix, **kwargs):
    users = []
    for i in range(n):
        user = member(Role.PRACTITIONER, organisation, email=f"{prefix}{i}@example.org")
        _answer(survey, user, **kwargs)
        users.append(user)
    return users


# --- Who may -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("national_team", True),
        ("editor", True),
        ("practitioner", False),
        ("qi_member", False),
        ("facility_lead", False),
        ("coach", False),
        ("district_lead", False),
        ("moderator", False),
    ],
)
def test_only_the_national_team_writes_sends_and_closes(request, role, allowed):
    user = request.getfixturevalue(role)
    if allowed:
        survey = _draft(user)
        survey = services.survey_open(survey=survey, by=user)
        assert services.survey_close(survey=survey, by=user).state == "closed"
    else:
        with pytest.raises(PermissionDenied):
            _draft(user)
        national = request.getfixturevalue("national_team")
        survey = _draft(national)
        for act in (services.survey_open, services.survey_delete):
            with pytest.raises(PermissionDenied):
                act(survey=survey, by=user)


def test_a_draft_is_hidden_from_members_and_its_pages_answer_404(
    client, national_team, practitioner
):
    draft = _draft(national_team)
    client.force_login(practitioner)
    for name in (
        "connect:survey",
        "connect:survey_results",
        "connect:survey_results_csv",
    ):
        assert client.get(reverse(name, args=[draft.pk])).status_code == 404
    assert (
        client.get(reverse("connect:survey_edit", args=[draft.pk])).status_code == 403
    )
    assert draft.title not in client.get(reverse("connect:surveys")).content.decode()
    client.force_login(national_team)
    assert draft.title in client.get(reverse("connect:surveys")).content.decode()


def test_visitors_are_asked_to_sign_in(client, survey):
    for url in (
        reverse("connect:surveys"),
        survey.get_absolute_url(),
        reverse("connect:survey_results", args=[survey.pk]),
    ):
        response = client.get(url)
        assert (
            response.status_code == 302 and "/accounts/login/" in response["Location"]
        )


@pytest.mark.parametrize(
    "role, while_open, once_closed",
    [
        ("national_team", True, True),
        ("editor", True, True),
        ("district_lead", True, True),
        ("practitioner", False, True),
        ("facility_lead", False, True),
        ("moderator", False, True),
    ],
)
def test_who_reads_results_while_open_and_once_closed(
    request, survey, national_team, role, while_open, once_closed
):
    user = request.getfixturevalue(role)
    assert permissions.can_view_results(user, survey) is while_open
    services.survey_close(survey=survey, by=national_team)
    assert permissions.can_view_results(user, survey) is once_closed


def test_facilities_are_shown_to_the_national_team_and_the_district_lead_only(
    survey, world, national_team, district_lead, coach, practitioner
):
    assert permissions.can_view_facilities(national_team, survey, world.other_district)
    assert permissions.can_view_facilities(district_lead, survey, world.district)
    assert not permissions.can_view_facilities(
        district_lead, survey, world.other_district
    )
    assert not permissions.can_view_facilities(practitioner, survey, world.district)


# --- Writing -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "questions, message",
    [
        ([], "Ask at least one question."),
        ([QuestionDraft("Only one?", False, ("Yes",))], "between 2 and 10"),
        ([QuestionDraft("", False, ("A", "B"))], "no question"),
        ([QuestionDraft("Same twice?", False, ("Yes", " yes "))], "between 2 and 10"),
    ],
)
def test_a_survey_needs_real_questions(national_team, questions, message):
    with pytest.raises(ValidationError) as raised:
        _draft(national_team, questions=questions)
    assert message in " ".join(raised.value.messages)


def test_a_draft_opens_for_changes_with_its_questions(client, national_team):
    draft = _draft(national_team)
    client.force_login(national_team)
    html = client.get(reverse("connect:survey_edit", args=[draft.pk])).content.decode()
    assert 'value="What would help?"' in html
    assert "Resuscitation\nHaemorrhage\nData use</textarea>" in html
    assert 'name="q1_multiple" id="id_q1_multiple" checked' in html


def test_a_sent_survey_cannot_be_rewritten(survey, national_team):
    with pytest.raises(ValidationError):
        _draft(national_team, survey=survey)


def test_the_form_shows_again_what_was_typed(client, national_team):
    client.force_login(national_team)
    response = client.post(
        reverse("connect:survey_create"),
        {
            "title": "Learning this year",
            "q1_text": "Which topic?",
            "q1_choices": "Only one answer",
            "q2_text": "How?",
            "q2_choices": "Webinars\nVisits",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "between 2 and 10 answers" in html
    assert 'value="Learning this year"' in html and "Only one answer</textarea>" in html
    assert not Survey.objects.exists()


def test_the_national_team_writes_then_sends_from_the_pages(
    client, national_team, practitioner, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(national_team)
    response = client.post(
        reverse("connect:survey_create"),
        {
            "title": "Learning this year",
            "q1_text": "Which topic?",
            "q1_choices": "Resuscitation\nHaemorrhage\n",
            "q1_multiple": "on",
        },
    )
    survey = Survey.objects.get()
    assert response["Location"] == survey.get_absolute_url()
    assert survey.questions.get().multiple
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("connect:survey_act", args=[survey.pk, "open"]))
    survey.refresh_from_db()
    assert survey.state == "open" and survey.opened_at
    assert {m.to[0] for m in mailoutbox} == {
        "national@example.org",
        "practitioner@example.org",
    }


# --- Sending -------------------------------------------------------------------------


def test_each_member_is_invited_once_in_their_language(
    national_team, practitioner, mailoutbox, django_capture_on_commit_callbacks
):
    from community import services as community_services
    from connect.surveys.tasks import send_survey_invitations

    community_services.profile_update(
        user=practitioner, display_name="Amina", language="fr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        survey = services.survey_open(survey=_draft(national_team), by=national_team)
    french = next(m for m in mailoutbox if m.to == ["practitioner@example.org"])
    assert "L’équipe nationale" in french.subject or "équipe" in french.subject
    assert survey.get_absolute_url() in french.body
    assert len(mailoutbox) == 2
    assert send_survey_invitations.call(survey.pk) == 0  # a retry sends nothing
    assert len(mailoutbox) == 2
    assert Survey.objects.get(pk=survey.pk).invited_count == 2


# --- Answering -----------------------------------------------------------------------


def test_a_member_answers_once(survey, practitioner):
    _answer(survey, practitioner, topics=(0, 2))
    with pytest.raises(services.AlreadyAnswered):
        _answer(survey, practitioner)
    survey.refresh_from_db()
    assert survey.response_count == 1
    response = SurveyResponse.objects.get()
    assert response.facility.slug == "north-hospital"
    assert response.district.slug == "north"


@pytest.mark.parametrize(
    "pick, error",
    [
        ({}, "Choose an answer."),
        ({"ways": [0, 1]}, "Choose one answer."),
        ({"ways": ["other"]}, "Choose an answer."),
    ],
)
def test_every_question_needs_its_answer(survey, practitioner, pick, error):
    topics_q, ways_q = survey.questions.all()
    other = _draft(survey.created_by, title="Another").questions.first().choices.first()
    ways = [c.pk for c in ways_q.choices.all()]
    choices = {topics_q.pk: [topics_q.choices.first().pk]}
    if "ways" in pick:
        choices[ways_q.pk] = [
            other.pk if i == "other" else ways[i] for i in pick["ways"]
        ]
    with pytest.raises(ValidationError) as raised:
        services.survey_answer(survey=survey, user=practitioner, choices=choices)
    assert raised.value.message_dict[f"q{ways_q.pk}"] == [error]
    assert not SurveyResponse.objects.exists()


def test_a_closed_or_expired_survey_takes_no_answers(
    survey, national_team, practitioner
):
    from django.utils import timezone

    Survey.objects.filter(pk=survey.pk).update(
        closes_at=timezone.now() - timezone.timedelta(minutes=1)
    )
    survey.refresh_from_db()
    assert survey.is_closed and not survey.is_open
    with pytest.raises(PermissionDenied):
        _answer(survey, practitioner)


def test_the_answer_page_keeps_what_was_ticked_and_then_shows_only_mine(
    client, survey, practitioner
):
    topics_q, ways_q = survey.questions.all()
    first = topics_q.choices.first()
    client.force_login(practitioner)
    response = client.post(survey.get_absolute_url(), {f"q{topics_q.pk}": [first.pk]})
    assert response.status_code == 400
    html = response.content.decode()
    assert f'value="{first.pk}" checked' in html
    assert "Choose an answer." in html
    response = client.post(
        survey.get_absolute_url(),
        {f"q{topics_q.pk}": [first.pk], f"q{ways_q.pk}": ways_q.choices.last().pk},
    )
    assert response.status_code == 302
    html = client.get(survey.get_absolute_url()).content.decode()
    assert "Your answers" in html and "<dd>Resuscitation</dd>" in html
    assert "<dd>Visits</dd>" in html and "<dd>Haemorrhage</dd>" not in html
    assert 'type="radio"' not in html  # no second go
    assert "show here once the survey has closed" in html  # and no link to a 403


def test_waiting_surveys_are_shown_until_answered(client, survey, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("connect:needs")).content.decode()
    assert "1 waiting" in html and survey.title in html
    _answer(survey, practitioner)
    html = client.get(reverse("connect:needs")).content.decode()
    assert "1 waiting" not in html and "survey-waiting" not in html


# --- Results: groups, never people -----------------------------------------------------


def test_fold_never_leaves_a_small_group_alone():
    generator = random.Random(21)
    for _ in range(2000):
        sizes = {
            key: generator.choice([0, 1, 2, 3, 4, 5, 6, 9, 20])
            for key in range(generator.randint(1, 7))
        }
        split = fold(sizes, 5)
        if sum(sizes.values()) < 5:
            assert split is None
            continue
        shown, folded = split
        assert all(sizes[key] >= 5 for key in shown)
        folded_n = sum(sizes[key] for key in folded)
        assert folded_n == 0 or folded_n >= 5
        assert set(shown) | folded == {k for k, n in sizes.items() if n}


def test_no_results_before_five_answers(client, survey, national_team, world):
    _crowd(survey, world.facility, 4, "n")
    results = tally(survey)
    assert not results.shown and results.districts == [] and results.total is None
    client.force_login(national_team)
    html = client.get(
        reverse("connect:survey_results", args=[survey.pk])
    ).content.decode()
    assert "The results show once 5 members have answered." in html
    assert "A few members answered" in html
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("connect:survey_results_csv", args=[survey.pk])
                ).content.decode()
            )
        )
    )
    assert len(rows) == 1  # the header alone


def test_small_facilities_and_districts_are_counted_together(
    survey, world, national_team
):
    from tests.factories import FacilityFactory

    third = FacilityFactory(name="North Post", slug="north-post", parent=world.district)
    _crowd(survey, world.facility, 6, "a", topics=(0,))
    _crowd(survey, world.sibling_facility, 2, "b", topics=(1,))
    _crowd(survey, third, 3, "c", topics=(2,))
    _crowd(survey, world.other_facility, 3, "d", topics=(1,))  # the other district
    results = tally(survey)
    assert results.respondents == 14
    labels = {row.label: row.respondents for row in results.districts}
    # South has 3: with "Other districts" it would be 3, so North joins it.
    assert labels == {"Other districts": 14}
    assert results.facilities == {}

    _crowd(survey, world.other_facility, 3, "e", topics=(0,))  # South now has 6
    results = tally(survey)
    assert {row.label: row.respondents for row in results.districts} == {
        "North": 11,
        "South": 6,
    }
    north = {
        row.label: row.respondents for row in results.facilities[world.district.pk]
    }
    assert north == {"North Hospital": 6, "Other facilities in North": 5}
    other = results.facilities[world.district.pk][-1]
    topics_q = survey.questions.first()
    haemorrhage, data = list(topics_q.choices.all())[1:]
    assert other.count(haemorrhage.pk) == 2 and other.count(data.pk) == 3
    assert results.total.respondents == 17


def test_results_pages_and_csv_name_no_one(
    client, survey, world, national_team, district_lead, practitioner
):
    users = _crowd(survey, world.facility, 6, "a") + _crowd(
        survey, world.other_facility, 5, "b", topics=(1, 2), way=1
    )
    names = [u.username for u in users] + [u.email for u in users]
    for reader in (national_team, district_lead):
        client.force_login(reader)
        html = client.get(
            reverse("connect:survey_results", args=[survey.pk])
        ).content.decode()
        body = client.get(
            reverse("connect:survey_results_csv", args=[survey.pk])
        ).content.decode()
        for name in names:
            assert name not in html and name not in body
        assert "North Hospital" in html  # groups, not people
    rows = list(csv.DictReader(io.StringIO(body)))
    grouped = {(r["grouped by"], r["group"]) for r in rows}
    assert ("facility", "North Hospital") in grouped
    assert ("facility", "South Hospital") not in grouped  # not the district lead's
    assert ("district", "South") in grouped and (
        "country",
        "All who answered",
    ) in grouped
    client.force_login(practitioner)
    assert (
        client.get(reverse("connect:survey_results", args=[survey.pk])).status_code
        == 403
    )


def test_the_district_lead_sees_no_other_district_facility_by_facility(
    client, survey, world, district_lead
):
    _crowd(survey, world.facility, 5, "a")
    _crowd(survey, world.other_facility, 5, "b")
    client.force_login(district_lead)
    html = client.get(
        reverse("connect:survey_results", args=[survey.pk]) + "?district=south"
    ).content.decode()
    assert "South Hospital" not in html and "By facility in" not in html


def test_a_csv_cell_is_never_a_formula(
    client, national_team, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        survey = services.survey_open(
            survey=_draft(
                national_team,
                questions=[QuestionDraft("=HYPERLINK(1)", False, ("+1", "@x"))],
            ),
            by=national_team,
        )
    question = survey.questions.get()
    for i in range(5):
        user = member(Role.PRACTITIONER, world.facility, email=f"f{i}@example.org")
        services.survey_answer(
            survey=survey,
            user=user,
            choices={question.pk: [question.choices.first().pk]},
        )
    client.force_login(national_team)
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("connect:survey_results_csv", args=[survey.pk])
                ).content.decode()
            )
        )
    )[1:]
    assert rows and all(
        cell[:1] not in "=+@-"
        for row in rows
        for cell in row
        if cell and not cell.isdigit()
    )


def test_results_cost_the_same_queries_for_ten_or_forty_answers(
    client, survey, world, national_team, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(national_team)
    url = reverse("connect:survey_results", args=[survey.pk])
    _crowd(survey, world.facility, 5, "a")
    _crowd(survey, world.other_facility, 5, "b")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _crowd(survey, world.sibling_facility, 30, "c", topics=(0, 1, 2))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


# --- An answer becomes a learning need -------------------------------------------------


def test_an_answer_becomes_a_need_supported_by_those_who_chose_it(
    survey,
    world,
    national_team,
    practitioner,
    sibling_member,
    far_member,
    colleague,
    django_capture_on_commit_callbacks,
):
    _answer(survey, practitioner, topics=(1,))
    _answer(survey, colleague, topics=(1,))
    _answer(survey, sibling_member, topics=(1, 2))
    _answer(survey, far_member, topics=(0,))
    haemorrhage = SurveyChoice.objects.get(text="Haemorrhage")
    assert services.need_summary(haemorrhage) == {"members": None, "facilities": 2}
    need = services.need_from_choice(
        choice=haemorrhage,
        by=national_team,
        title="PPH bundles",
        description="Many asked.",
        tags=["pph"],
    )
    need.refresh_from_db()
    assert need.support_count == 2  # two facilities, counted once each
    assert set(need.supports.values_list("user__email", flat=True)) == {
        "practitioner@example.org",
        "colleague@example.org",
        "sib@example.org",
    }
    assert SurveyChoice.objects.get(pk=haemorrhage.pk).need == need
    with pytest.raises(ValidationError):
        services.need_from_choice(
            choice=haemorrhage, by=national_team, title="Again", description="x"
        )
    from connect import services as need_services

    with django_capture_on_commit_callbacks(execute=True):
        need_services.need_set_state(
            need=need, by=national_team, state=NeedState.PLANNED
        )
    told = set(
        NeedNotice.objects.filter(need=need).values_list("user__email", flat=True)
    )
    assert {
        "practitioner@example.org",
        "colleague@example.org",
        "sib@example.org",
    } <= told
    assert "far@example.org" not in told


@pytest.mark.parametrize(
    "role, status",
    [
        ("national_team", 200),
        ("editor", 200),
        ("district_lead", 403),
        ("practitioner", 403),
    ],
)
def test_who_may_turn_an_answer_into_a_need(client, request, survey, role, status):
    choice = SurveyChoice.objects.filter(question__survey=survey).first()
    client.force_login(request.getfixturevalue(role))
    assert (
        client.get(reverse("connect:survey_need", args=[choice.pk])).status_code
        == status
    )


# --- The member's own data -------------------------------------------------------------


def test_my_answers_are_in_my_download_and_stay_counted_when_i_leave(
    survey, practitioner
):
    from connect.personal_data import export

    _answer(survey, practitioner, topics=(0, 1))
    rows = export(practitioner)["survey_answers_you_gave"]
    assert {row["choice__text"] for row in rows} == {
        "Resuscitation",
        "Haemorrhage",
        "Webinars",
    }
    practitioner.delete()
    response = SurveyResponse.objects.get()
    assert response.user is None and response.answers.count() == 3


def test_a_mail_server_failure_loses_no_invitation(
    national_team, practitioner, coach, mailoutbox, monkeypatch
):
    """One refused email does not stop the rest; running the task again sends to the
    member it missed, and to nobody twice."""
    import smtplib

    from django.core.mail import EmailMultiAlternatives

    from connect.surveys.tasks import send_survey_invitations

    survey = services.survey_open(survey=_draft(national_team), by=national_team)
    send = EmailMultiAlternatives.send

    def refuse_one(message, *args, **kwargs):
        if message.to == ["practitioner@example.org"]:
            raise smtplib.SMTPServerDisconnected("gone")
        return send(message, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", refuse_one)
    assert send_survey_invitations.call(survey.pk) == 2
    assert sorted(m.to[0] for m in mailoutbox) == [
        "coach@example.org",
        "national@example.org",
    ]
    monkeypatch.setattr(EmailMultiAlternatives, "send", send)
    assert send_survey_invitations.call(survey.pk) == 1
    assert mailoutbox[-1].to == ["practitioner@example.org"]
    assert send_survey_invitations.call(survey.pk) == 0
    assert Survey.objects.get(pk=survey.pk).invited_count == 3


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the unique row matters on PostgreSQL",
)
def test_a_double_tap_on_two_workers_counts_once(national_team, practitioner):
    from tests.races import at_once

    survey = services.survey_open(survey=_draft(national_team), by=national_team)
    choices = _choices(survey, topics=(0, 1))
    results = at_once(
        lambda: services.survey_answer(
            survey=survey, user=practitioner, choices=choices
        ),
        services.AlreadyAnswered,
    )
    assert results == ["already"] * 3 + ["counted"]
    survey.refresh_from_db()
    assert survey.response_count == 1
    assert SurveyResponse.objects.get().answers.count() == 3
