"""Live polls in a webinar's room: the hosts ask, the registered vote, the live page
shows them (``forums.polls``; threads' polls are tested in ``tests/forums``)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from events import services as event_services
from events.models import EventKind
from forums import polls
from forums.models import PollChoice


def _choice(poll, label):
    return poll.choices.get(label=label).pk


def _counts(poll):
    return dict(PollChoice.objects.filter(poll=poll).values_list("label", "votes"))


@pytest.fixture
def live_webinar(make_event, practitioner, qi_member):
    event = make_event(kind=EventKind.WEBINAR, starts_in=-10, duration=60)
    for person in (practitioner, qi_member):
        event_services.registration_create(event=event, user=person)
    event.refresh_from_db()
    return event


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("national_team", True),  # hosts of a national webinar
        ("moderator", True),
        ("practitioner", False),  # registered: votes, does not ask
        ("qi_member", False),
        ("outsider", False),
    ],
)
def test_who_may_start_a_live_poll_in_a_webinar(request, live_webinar, who, may):
    user = request.getfixturevalue(who)
    assert polls.can_ask(user, room=live_webinar.room) is may


def test_in_a_webinar_the_registered_vote_and_others_do_not(
    live_webinar, national_team, practitioner, coach
):
    poll = polls.ask(
        by=national_team,
        question="Which first?",
        choices=["Kit", "Drill"],
        room=live_webinar.room,
    )
    polls.vote(by=practitioner, poll=poll, choice_id=_choice(poll, "Kit"))
    with pytest.raises(PermissionDenied):  # not registered
        polls.vote(by=coach, poll=poll, choice_id=_choice(poll, "Kit"))
    assert _counts(poll) == {"Kit": 1, "Drill": 0}


def test_a_webinar_poll_shows_on_the_live_page_and_the_host_closes_it(
    client, live_webinar, national_team, practitioner
):
    poll = polls.ask(
        by=national_team,
        question="Which first?",
        choices=["Kit", "Drill"],
        room=live_webinar.room,
    )
    live = reverse("events:live", args=[live_webinar.pk])
    client.force_login(practitioner)
    page = client.get(live).content.decode()
    assert "Which first?" in page and 'name="choice"' in page
    assert "Start a poll" not in page
    response = client.post(
        reverse("forums:poll_vote", args=[poll.pk]), {"choice": _choice(poll, "Kit")}
    )
    assert response["Location"] == f"{live}#poll-{poll.pk}"
    client.force_login(national_team)
    page = client.get(live).content.decode()
    assert "Start a poll" in page and "Close the poll" in page
    client.post(reverse("forums:poll_close", args=[poll.pk]))
    poll.refresh_from_db()
    assert not poll.is_open()


def test_a_webinar_poll_shows_closed_once_the_room_closes(
    live_webinar, national_team, practitioner
):
    import datetime

    from django.utils import timezone

    from forums import chat

    poll = polls.ask(
        by=national_team,
        question="Which first?",
        choices=["Kit", "Drill"],
        room=live_webinar.room,
    )
    assert polls.shown(poll, practitioner).can_vote
    past = timezone.now() - datetime.timedelta(minutes=1)
    chat.room_set_window(
        room=live_webinar.room, opens_at=live_webinar.room.opens_at, closes_at=past
    )
    poll.room.refresh_from_db()
    seen = polls.shown(poll, practitioner)
    assert not seen.open and not seen.can_vote and seen.show_counts
    with pytest.raises(PermissionDenied):
        polls.vote(by=practitioner, poll=poll, choice_id=_choice(poll, "Kit"))


def test_a_webinars_polls_answer_as_its_room_does(
    client, live_webinar, national_team, practitioner, coach
):
    polls.ask(
        by=national_team,
        question="Which first?",
        choices=["Kit", "Drill"],
        room=live_webinar.room,
    )
    room_id = live_webinar.room.pk
    listed = reverse("forums:room_polls", args=[room_id])
    ask = reverse("forums:poll_in_room", args=[room_id])
    client.force_login(practitioner)  # registered: reads the room, runs nothing
    assert "Which first?" in client.get(listed).content.decode()
    assert client.get(ask).status_code == 403
    client.force_login(coach)  # not registered: the room is closed to him
    room_page = reverse("forums:chat_room", args=[room_id])
    assert client.get(room_page).status_code == 403
    assert client.get(listed).status_code == 403
    assert client.get(ask).status_code == 403
