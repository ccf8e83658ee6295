"""The webinar's live session: its chat room's window, and the Q&A beside it."""

import datetime
import json
import uuid

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from events import services
from events.models import EventKind, Question
from forums import chat
from forums.models import RoomKind


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_webinar(make_event, practitioner, qi_member):
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


def test_each_webinar_gets_an_event_room_with_its_window(webinar):
    room = webinar.room
    assert room.kind == RoomKind.EVENT
    assert room.opens_at == webinar.starts_at - datetime.timedelta(minutes=30)
    assert room.closes_at == webinar.ends_at + datetime.timedelta(minutes=30)


def test_other_kinds_have_no_room(make_event):
    assert make_event(kind=EventKind.COLLABORATIVE).room is None


def test_room_open_exactly_within_the_window(webinar):
    room = webinar.room
    second = datetime.timedelta(seconds=1)
    assert not room.is_open(room.opens_at - second)
    assert room.is_open(room.opens_at)
    assert room.is_open(webinar.ends_at + datetime.timedelta(minutes=29))
    assert not room.is_open(room.closes_at)


def test_moving_the_webinar_moves_the_window(webinar, superuser):
    later = datetime.timedelta(days=1)
    services.event_update(
        event=webinar,
        by=superuser,
        starts_at=webinar.starts_at + later,
        ends_at=webinar.ends_at + later,
    )
    webinar.room.refresh_from_db()
    assert webinar.room.opens_at == webinar.starts_at + later - datetime.timedelta(
        minutes=30
    )


def test_sending_in_a_closed_room_is_refused_but_it_stays_readable(
    make_event, practitioner, client
):
    event = make_event(kind=EventKind.WEBINAR, starts_in=-180, duration=60)
    services.attendance_mark  # noqa: B018  (registration below predates the end)
    from events.models import Registration

    Registration.objects.create(event=event, user=practitioner)
    room = event.room
    assert not room.is_open()
    with pytest.raises(chat.ChatError) as refused:
        chat.message_send(
            room=room, author=practitioner, body="Too late?", client_id=uuid.uuid4()
        )
    assert refused.value.code == "room_closed"
    client.force_login(practitioner)
    page = client.get(f"/events/{event.pk}/live/")
    assert page.status_code == 200
    assert "transcript" in page.text
    response = client.post(
        f"/forums/chat/{room.pk}/send/",
        data=json.dumps({"body": "hello", "client_id": str(uuid.uuid4())}),
        content_type="application/json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "room_closed"


def test_registered_people_chat_during_the_session(live_webinar, practitioner):
    message, created = chat.message_send(
        room=live_webinar.room,
        author=practitioner,
        body="Hello from Hillside",
        client_id=uuid.uuid4(),
    )
    assert created and message.room_id == live_webinar.room_id


def test_unregistered_members_neither_read_nor_send(live_webinar, facility_lead):
    room = live_webinar.room
    assert not chat.can_view_room(facility_lead, room)
    with pytest.raises(chat.ChatError) as refused:
        chat.message_send(
            room=room, author=facility_lead, body="hi", client_id=uuid.uuid4()
        )
    assert refused.value.code == "not_allowed"


def test_organiser_side_and_moderators_moderate(live_webinar, national_team, moderator):
    room = live_webinar.room
    assert chat.can_moderate_room(national_team, room)
    assert chat.can_moderate_room(moderator, room)
    assert chat.can_view_room(national_team, room)


def test_live_page_via_http_form(client, live_webinar, practitioner):
    client.force_login(practitioner)
    url = f"/events/{live_webinar.pk}/live/"
    response = client.post(
        url, {"body": "Via the form", "client_id": str(uuid.uuid4())}
    )
    assert response.status_code == 302
    assert "Via the form" in client.get(url).text


def test_live_page_refused_to_the_unregistered(client, live_webinar, outsider):
    client.force_login(outsider)
    assert client.get(f"/events/{live_webinar.pk}/live/").status_code == 403


# --- Q&A ----------------------------------------------------------------------------


def test_one_vote_per_person_and_voting_again_takes_it_back(
    live_webinar, practitioner, qi_member
):
    question = services.question_ask(
        event=live_webinar, author=practitioner, body="How do you triage?"
    )
    assert services.question_vote_toggle(question=question, user=qi_member)
    assert services.question_vote_toggle(question=question, user=practitioner)
    question.refresh_from_db()
    assert question.vote_count == 2
    assert not services.question_vote_toggle(question=question, user=qi_member)
    question.refresh_from_db()
    assert question.vote_count == 1
    assert question.votes.count() == 1


def test_votes_by_http_are_one_per_person(client, live_webinar, practitioner):
    question = services.question_ask(event=live_webinar, author=practitioner, body="Q?")
    client.force_login(practitioner)
    for _ in range(3):
        client.post(f"/events/q/{question.pk}/vote/")
    question.refresh_from_db()
    assert question.vote_count == 1


def test_unregistered_cannot_ask_or_vote(live_webinar, practitioner, facility_lead):
    question = services.question_ask(event=live_webinar, author=practitioner, body="Q")
    with pytest.raises(PermissionDenied):
        services.question_ask(event=live_webinar, author=facility_lead, body="Q")
    with pytest.raises(PermissionDenied):
        services.question_vote_toggle(question=question, user=facility_lead)


def test_hosts_mark_answered_participants_cannot(
    live_webinar, practitioner, national_team
):
    question = services.question_ask(event=live_webinar, author=practitioner, body="Q")
    with pytest.raises(PermissionDenied):
        services.question_mark_answered(question=question, by=practitioner)
    services.question_mark_answered(question=question, by=national_team)
    assert Question.objects.get(pk=question.pk).is_answered


def test_anonymous_question_never_reveals_its_author(
    client, live_webinar, practitioner, qi_member, national_team
):
    from community.services import profile_update

    profile_update(
        user=practitioner,
        display_name="Amina Uwase",
        languages="",
        timezone_name="UTC",
        bio="",
    )
    services.question_ask(
        event=live_webinar,
        author=practitioner,
        body="Who checks the partograph at night?",
        anonymous=True,
    )
    for viewer in (qi_member, national_team, practitioner):
        client.force_login(viewer)
        page = client.get(f"/events/{live_webinar.pk}/live/").text
        data = client.get(f"/events/{live_webinar.pk}/questions.json").content.decode()
        assert "partograph" in page and "partograph" in data
        for text in (page, data):
            assert "Amina" not in text
            assert practitioner.email not in text
            assert '"author' not in text
        assert "Anonymous participant" in page


def test_anonymous_questions_only_when_the_event_allows(make_event, practitioner):
    from django.core.exceptions import ValidationError

    event = make_event(kind=EventKind.WEBINAR, starts_in=-5, duration=60)
    services.registration_create(event=event, user=practitioner)
    with pytest.raises(ValidationError):
        services.question_ask(
            event=event, author=practitioner, body="Q", anonymous=True
        )


def test_question_form_re_shows_what_was_typed(client, live_webinar, practitioner):
    client.force_login(practitioner)
    response = client.post(
        f"/events/{live_webinar.pk}/questions/", {"body": "x" * 1001}
    )
    assert response.status_code == 400
    assert "x" * 1001 in response.text


def test_registering_or_cancelling_moves_the_members_room_access(
    webinar, practitioner, django_capture_on_commit_callbacks
):
    """Open sockets re-check themselves when their access version moves; cancelling a
    registration must move it, or a cancelled member would stay in the webinar room."""
    cache.clear()
    keys = chat.access_keys(practitioner.pk, webinar.room_id)
    start = chat.access_versions(keys)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(event=webinar, user=practitioner)
    registered = chat.access_versions(keys)
    assert registered[keys[0]] > start[keys[0]]
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(event=webinar, user=practitioner)
    assert chat.access_versions(keys)[keys[0]] > registered[keys[0]]
    assert not chat.can_view_room(practitioner, webinar.room)


def test_an_event_taking_anonymous_questions_asks_anonymously_by_default():
    from events.forms import QuestionForm

    form = QuestionForm(allow_anonymous=True)
    assert " checked" in str(form["anonymous"])
    assert "anonymous" not in QuestionForm(allow_anonymous=False).fields
