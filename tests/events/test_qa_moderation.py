"""Webinar questions in the moderation app: who flags, who moderates, what hides, what
the queue shows, and that an anonymous asker stays anonymous throughout."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.test import override_settings

from community.models import Role
from community.services import profile_update
from events import services
from events.models import EventKind, Question, RegistrationStatus
from moderation import permissions as moderation_permissions
from moderation import services as moderation_services
from moderation.models import (
    Action,
    Case,
    CaseReason,
    CaseStatus,
    Decision,
    Flag,
    Notice,
)
from moderation.registry import adapter_for, is_registered
from tests.factories import member

NAME = "Amina Uwase"


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()  # flag rate limits and permission versions live in the cache
    yield
    cache.clear()


@pytest.fixture
def live_webinar(make_event, practitioner, qi_member):
    """A country webinar in session that takes anonymous questions (a safe space)."""
    event = make_event(
        kind=EventKind.WEBINAR,
        starts_in=-10,
        duration=60,
        allow_anonymous_questions=True,
    )
    for person in (practitioner, qi_member):
        services.registration_create(event=event, user=person)
    event.refresh_from_db()
    return event


@pytest.fixture
def asker(practitioner):
    profile_update(
        user=practitioner,
        display_name=NAME,
        languages="",
        timezone_name="UTC",
        bio="",
    )
    return practitioner


@pytest.fixture
def question(live_webinar, asker):
    return services.question_ask(
        event=live_webinar, author=asker, body="Why do night shifts skip the checklist?"
    )


@pytest.fixture
def anonymous_question(live_webinar, asker):
    return services.question_ask(
        event=live_webinar,
        author=asker,
        body="Who checks the partograph at night?",
        anonymous=True,
    )


@pytest.fixture
def district_webinar(make_event, world, practitioner):
    """A district webinar that takes no anonymous questions: not a safe space."""
    event = make_event(
        kind=EventKind.WEBINAR,
        organiser=world.district,
        starts_in=-10,
        duration=60,
        allow_anonymous_questions=False,
    )
    services.registration_create(event=event, user=practitioner)
    event.refresh_from_db()
    return event


def live_path(event) -> str:
    return f"/events/{event.pk}/live/"


def flag_path(obj) -> str:
    ct = ContentType.objects.get_for_model(obj)
    return f"/moderation/flag/{ct.pk}/{obj.pk}/"


def registered(event, world, n: int = 1) -> list:
    people = []
    for _ in range(n):
        person = member(Role.PRACTITIONER, world.sibling_facility)
        services.registration_create(event=event, user=person)
        people.append(person)
    return people


def fresh(question: Question) -> Question:
    return Question.objects.select_related("event").get(pk=question.pk)


# --- Registration ---------------------------------------------------------------------


def test_questions_are_registered_with_moderation(question):
    assert is_registered(Question)
    adapter = adapter_for(question)
    assert adapter.label(question) == "question"
    assert adapter.excerpt(question) == "Why do night shifts skip the checklist?"
    assert adapter.url(question) == (
        f"/events/{question.event_id}/live/#q{question.pk}"
    )


def test_an_event_taking_anonymous_questions_is_a_safe_space(
    question, district_webinar, practitioner
):
    adapter = adapter_for(question)
    assert adapter.scope(question) == (question.event.organiser, True)
    plain = services.question_ask(event=district_webinar, author=practitioner, body="Q")
    assert adapter.scope(plain) == (district_webinar.organiser, False)


# --- Who may flag ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    ["qi_member", "national_team", "editor", "moderator"],
)
def test_those_who_see_the_question_may_flag_it(as_role, role, question):
    """Registered attendees, the hosts (national team, editors for a country webinar)
    and the moderators read the room, so they see and may flag its questions."""
    assert moderation_permissions.can_flag(as_role(role), fresh(question))


@pytest.mark.parametrize(
    "role",
    ["practitioner", "facility_lead", "coach", "district_lead", "outsider"],
)
def test_the_author_and_those_not_in_the_room_may_not_flag(as_role, role, question):
    """``practitioner`` asked it; the others are not registered for the webinar."""
    assert not moderation_permissions.can_flag(as_role(role), fresh(question))


def test_a_visitor_may_not_flag(question):
    from django.contrib.auth.models import AnonymousUser

    assert not moderation_permissions.can_flag(AnonymousUser(), fresh(question))


@pytest.mark.parametrize("status", ["cancelled", "waitlisted"])
def test_a_cancelled_or_waiting_registration_may_not_flag(question, qi_member, status):
    question.event.registrations.filter(user=qi_member).update(
        status=RegistrationStatus(status)
    )
    assert not moderation_permissions.can_flag(qi_member, fresh(question))


def test_a_hidden_question_cannot_be_flagged_by_readers(
    question, qi_member, national_team
):
    services.question_set_hidden(question=question, by=national_team, hidden=True)
    assert not moderation_permissions.can_flag(qi_member, fresh(question))


def test_attendee_flags_through_the_form_and_returns_to_the_question(
    client, question, qi_member
):
    client.force_login(qi_member)
    back = f"{live_path(question.event)}#q{question.pk}"
    form = client.get(flag_path(question))
    assert form.status_code == 200
    assert "night shifts" in form.text
    response = client.post(
        flag_path(question), {"reason": "blames_individual", "next": back}
    )
    assert response.status_code == 302 and response["Location"] == back
    flag = Flag.objects.get()
    assert flag.flagger == qi_member and flag.reason == "blames_individual"
    assert Case.objects.get().status == CaseStatus.OPEN  # one flag: still visible


@pytest.mark.parametrize("role", ["practitioner", "facility_lead", "outsider"])
def test_the_flag_form_is_refused_to_who_may_not_flag(client, as_role, role, question):
    client.force_login(as_role(role))
    assert client.post(flag_path(question), {"reason": "spam"}).status_code == 403
    assert not Flag.objects.exists()


def test_flag_with_other_reason_needs_words_and_keeps_them(client, question, qi_member):
    client.force_login(qi_member)
    response = client.post(flag_path(question), {"reason": "other", "text": ""})
    assert response.status_code == 400
    assert "Tell the moderators what is wrong." in response.text
    assert not Flag.objects.exists()


def test_the_flag_link_shows_only_to_who_may_flag(
    client, question, qi_member, practitioner, facility_lead
):
    link = f'href="{flag_path(question)}?next='
    client.force_login(qi_member)
    assert link in client.get(live_path(question.event)).text
    client.force_login(practitioner)  # the author
    assert link not in client.get(live_path(question.event)).text
    client.force_login(facility_lead)  # not registered: not even the page
    assert client.get(live_path(question.event)).status_code == 403


# --- Flags hide it ----------------------------------------------------------------------


def test_flags_past_the_threshold_hide_it_from_readers(
    client, question, qi_member, world, national_team
):
    event = question.event
    flaggers = [qi_member, *registered(event, world, 2)]
    for flagger in flaggers[:2]:
        moderation_services.flag_create(
            content=fresh(question), flagger=flagger, reason="harassment"
        )
    assert not fresh(question).hidden  # two members' flags weigh 2 of 3
    moderation_services.flag_create(
        content=fresh(question), flagger=flaggers[2], reason="harassment"
    )
    assert fresh(question).hidden
    assert Case.objects.get().status == CaseStatus.HELD

    client.force_login(qi_member)
    for url in (
        live_path(event),
        f"{live_path(event)}?part=questions",
        f"/events/{event.pk}/questions.json",
    ):
        assert "night shifts" not in client.get(url).text
    client.force_login(national_team)  # a host sees that something was hidden, and why
    page = client.get(live_path(event)).text
    assert "night shifts" not in page
    assert "Hidden until a moderator reviews it." in page


def test_the_author_is_told_without_learning_who_flagged(
    question, practitioner, moderator
):
    moderation_services.flag_create(
        content=fresh(question), flagger=moderator, reason="harassment"
    )
    notice = Notice.objects.get(user=practitioner)
    assert "question" in notice.text and "hidden" in notice.text
    assert notice.url == f"/events/{question.event_id}/live/#q{question.pk}"
    assert moderator.email not in notice.text


def test_a_host_cannot_show_a_question_the_moderators_hold(
    client, question, moderator, national_team
):
    moderation_services.flag_create(
        content=fresh(question), flagger=moderator, reason="harassment"
    )
    client.force_login(national_team)
    response = client.post(
        f"/events/q/{question.pk}/hide/", {"hidden": "0"}, follow=True
    )
    assert "The moderators are reviewing this question" in response.text
    assert fresh(question).hidden
    with pytest.raises(ValidationError):
        services.question_set_hidden(
            question=fresh(question), by=national_team, hidden=False
        )


def test_a_host_still_hides_and_shows_outside_moderation(question, national_team):
    services.question_set_hidden(question=question, by=national_team, hidden=True)
    assert fresh(question).hidden
    services.question_set_hidden(
        question=fresh(question), by=national_team, hidden=False
    )
    assert not fresh(question).hidden


# --- Who may moderate -------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,may",
    [
        ("moderator", True),
        ("national_team", False),
        ("editor", False),
        ("district_lead", False),
        ("coach", False),
        ("qi_member", False),
        ("practitioner", False),
    ],
)
def test_who_moderates_a_question_in_a_safe_webinar(as_role, role, may, question):
    assert moderation_permissions.can_moderate(as_role(role), fresh(question)) is may


@pytest.mark.parametrize(
    "role,may",
    [
        ("moderator", True),
        ("district_lead", True),
        ("coach", True),
        ("national_team", False),
        ("facility_lead", False),
        ("qi_member", False),
    ],
)
def test_who_moderates_a_question_in_a_district_webinar(
    as_role, role, may, district_webinar, practitioner
):
    """Outside safe spaces, district stewards moderate their district's webinars."""
    question = services.question_ask(
        event=district_webinar, author=practitioner, body="Q"
    )
    assert moderation_permissions.can_moderate(as_role(role), fresh(question)) is may


def test_a_moderator_never_moderates_their_own_question(live_webinar, moderator):
    services.registration_create(event=live_webinar, user=moderator)
    question = services.question_ask(event=live_webinar, author=moderator, body="Q")
    assert not moderation_permissions.can_moderate(moderator, fresh(question))


def test_the_moderate_link_shows_only_to_who_may_moderate(
    client, question, moderator, national_team
):
    ct = ContentType.objects.get_for_model(Question)
    link = f'href="/moderation/act/{ct.pk}/{question.pk}/?next='
    client.force_login(moderator)
    assert link in client.get(live_path(question.event)).text
    client.force_login(national_team)
    assert link not in client.get(live_path(question.event)).text


def test_a_room_moderator_sees_hidden_questions_and_the_hide_button(
    client, question, moderator, qi_member
):
    """A moderator is not a host: they hide and show, they do not mark answered."""
    hide_form = f'action="/events/q/{question.pk}/hide/"'
    client.force_login(moderator)
    page = client.get(live_path(question.event)).text
    assert hide_form in page
    assert f'action="/events/q/{question.pk}/answered/"' not in page
    client.post(f"/events/q/{question.pk}/hide/", {"hidden": "1"})
    assert fresh(question).hidden
    assert f'id="q{question.pk}"' in client.get(live_path(question.event)).text
    client.force_login(qi_member)
    page = client.get(live_path(question.event)).text
    assert f'id="q{question.pk}"' not in page and hide_form not in page


# --- The queue and decisions ------------------------------------------------------------


def test_the_queue_shows_the_question_with_a_link_back_and_no_author(
    client, anonymous_question, qi_member, moderator, practitioner
):
    client.force_login(qi_member)
    client.post(flag_path(anonymous_question), {"reason": "harassment"})
    client.force_login(moderator)
    queue = client.get("/moderation/").text
    assert "Who checks the partograph at night?" in queue
    event_id = anonymous_question.event_id
    assert f'href="/events/{event_id}/live/#q{anonymous_question.pk}"' in queue
    for leak in (NAME, practitioner.email, practitioner.username):
        assert leak not in queue
    flag_form = client.get(flag_path(anonymous_question)).text
    assert NAME not in flag_form and practitioner.email not in flag_form


def test_the_queue_leaves_a_safe_webinar_to_the_national_moderators(
    client, anonymous_question, qi_member, district_lead
):
    client.force_login(qi_member)
    client.post(flag_path(anonymous_question), {"reason": "harassment"})
    client.force_login(district_lead)
    assert "partograph" not in client.get("/moderation/").text


def test_moderator_keeps_a_held_question_and_readers_see_it_again(
    client, question, moderator, qi_member
):
    moderation_services.flag_create(
        content=fresh(question), flagger=moderator, reason="spam"
    )
    case = Case.objects.get()
    client.force_login(moderator)
    prefix = f"case{case.pk}"
    response = client.post(
        f"/moderation/cases/{case.pk}/decide/",
        {f"{prefix}-action": "keep", f"{prefix}-reason": "A fair question"},
    )
    assert response.status_code == 302
    assert not fresh(question).hidden
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    decision = Decision.objects.get()
    assert decision.action == Action.KEEP and "night shifts" in decision.excerpt
    client.force_login(qi_member)
    assert "night shifts" in client.get(live_path(question.event)).text


def test_moderator_edits_a_question_with_a_reason(question, moderator, qi_member):
    moderation_services.decision_make(
        content=fresh(question),
        moderator=moderator,
        action=Action.EDIT,
        reason="Names a colleague",
        body="Why do some night shifts skip the checklist?",
    )
    edited = fresh(question)
    assert edited.body == "Why do some night shifts skip the checklist?"
    assert "some night shifts" in edited.body_html
    assert not edited.hidden


@pytest.mark.parametrize("action", [Action.HIDE, Action.DELETE])
def test_hide_or_delete_removes_it_from_readers(
    client, action, question, moderator, qi_member
):
    moderation_services.decision_make(
        content=fresh(question), moderator=moderator, action=action, reason="Abuse"
    )
    assert fresh(question).hidden
    client.force_login(qi_member)
    assert "night shifts" not in client.get(live_path(question.event)).text


def test_moderate_from_the_page_returns_to_the_question(client, question, moderator):
    ct = ContentType.objects.get_for_model(Question)
    back = f"{live_path(question.event)}#q{question.pk}"
    client.force_login(moderator)
    response = client.post(
        f"/moderation/act/{ct.pk}/{question.pk}/",
        {"act-action": "hide", "act-reason": "Off topic", "next": back},
    )
    assert response.status_code == 302 and response["Location"] == back
    assert fresh(question).hidden


def test_a_host_who_is_not_a_moderator_cannot_decide(client, question, national_team):
    ct = ContentType.objects.get_for_model(Question)
    client.force_login(national_team)
    response = client.post(
        f"/moderation/act/{ct.pk}/{question.pk}/",
        {"act-action": "hide", "act-reason": "x"},
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


# --- Sanctions and the content policy reach the Q&A ------------------------------------


@pytest.mark.parametrize("action", [Action.SUSPEND, Action.MUTE])
def test_a_sanctioned_author_cannot_ask_and_keeps_what_they_typed(
    client, action, anonymous_question, moderator, practitioner
):
    """A sanction decided on an anonymous question reaches the alias only: no more
    anonymous questions at this event; named ones (nothing ties them) still go."""
    moderation_services.decision_make(
        content=fresh(anonymous_question),
        moderator=moderator,
        action=action,
        reason="Repeated abuse",
    )
    with pytest.raises(ValidationError):
        services.question_ask(
            event=anonymous_question.event,
            author=practitioner,
            body="Again",
            anonymous=True,
        )
    client.force_login(practitioner)
    response = client.post(
        f"/events/{anonymous_question.event_id}/questions/",
        {"body": "My carefully typed question", "anonymous": "on"},
    )
    assert response.status_code == 400
    assert "My carefully typed question" in response.text
    assert "paused anonymous" in response.text
    assert Question.objects.count() == 1
    services.question_ask(
        event=anonymous_question.event, author=practitioner, body="Named, fine"
    )
    assert Question.objects.count() == 2


@pytest.mark.parametrize("action", [Action.SUSPEND, Action.MUTE])
def test_a_sanction_on_a_named_question_stops_every_question(
    action, anonymous_question, moderator, practitioner
):
    named = services.question_ask(
        event=anonymous_question.event, author=practitioner, body="Named and rude"
    )
    moderation_services.decision_make(
        content=fresh(named), moderator=moderator, action=action, reason="Abuse"
    )
    for anonymous in (False, True):
        with pytest.raises(ValidationError):
            services.question_ask(
                event=anonymous_question.event,
                author=practitioner,
                body="Again",
                anonymous=anonymous,
            )


def test_a_sanction_never_shows_who_the_author_is(
    client, anonymous_question, moderator, practitioner
):
    moderation_services.decision_make(
        content=fresh(anonymous_question),
        moderator=moderator,
        action=Action.WARN,
        reason="Be kind",
    )
    client.force_login(moderator)
    for url in ("/moderation/audit/", "/moderation/"):
        html = client.get(url).text
        assert NAME not in html and practitioner.email not in html
    assert Notice.objects.filter(user=practitioner, text__contains="Be kind").exists()


def test_a_question_that_may_identify_a_patient_waits_for_review(
    client, live_webinar, practitioner, qi_member
):
    client.force_login(practitioner)
    response = client.post(
        f"/events/{live_webinar.pk}/questions/",
        {"body": "What about the mother in MRN 1234567?"},
        follow=True,
    )
    assert "Your question will appear once a moderator has reviewed it." in (
        response.text
    )
    question = Question.objects.get()
    assert question.hidden
    case = Case.objects.get()
    assert case.status == CaseStatus.HELD
    assert case.reason == CaseReason.PATIENT_PATTERN
    client.force_login(qi_member)
    assert "1234567" not in client.get(live_path(live_webinar)).text


def test_held_question_answers_json_clients_with_the_reason(
    client, live_webinar, practitioner
):
    client.force_login(practitioner)
    response = client.post(
        f"/events/{live_webinar.pk}/questions/",
        {"body": "Bed 4, MRN 7654321: what went wrong?"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    assert response.json()["held"] is True
    assert "moderator" in response.json()["message"]


@override_settings(MODERATION={"RATE_LIMITS": {"flag": "1/3600"}})
def test_a_rate_limited_flag_comes_back_with_its_text(
    client, question, qi_member, live_webinar, asker
):
    other = services.question_ask(event=live_webinar, author=asker, body="Second")
    client.force_login(qi_member)
    client.post(flag_path(question), {"reason": "spam"})
    response = client.post(
        flag_path(other), {"reason": "other", "text": "my careful words"}
    )
    assert response.status_code == 400
    assert "Please wait" in response.text and "my careful words" in response.text


@pytest.mark.parametrize("role", ["qi_member", "moderator", "national_team"])
def test_the_questions_booleans_cost_no_query_per_question(
    client, as_role, role, live_webinar, asker, world
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    viewer = as_role(role)
    client.force_login(viewer)
    url = f"{live_path(live_webinar)}?part=questions"

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.question_ask(event=live_webinar, author=asker, body="First")
    count()  # warm the caches a first request fills (content types, session)
    one = count()
    others = registered(live_webinar, world, 3)
    for n, person in enumerate(others * 2):
        services.question_ask(
            event=live_webinar, author=person, body=f"Q{n}", anonymous=n % 2 == 0
        )
    assert count() == one
