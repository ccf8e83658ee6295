"""Polls in threads and live in webinar rooms: who asks, who votes (once), who sees the
counts, and that nobody can learn who chose what."""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forums import polls, services
from forums.models import Poll, PollChoice, PollVoter

from .conftest import named

SCALES = ["Digital", "Spring", "Beam"]


@pytest.fixture
def thread(spaces, practitioner):
    return services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Newborn scales",
        body="Which do you trust?",
    )


@pytest.fixture
def poll(thread, practitioner):
    return polls.ask(
        by=practitioner, question="Which scale?", choices=SCALES, thread=thread
    )


def _choice(poll, label):
    return poll.choices.get(label=label).pk


def _counts(poll):
    return dict(PollChoice.objects.filter(poll=poll).values_list("label", "votes"))


# --- Who asks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("practitioner", True),  # the thread's author
        ("moderator", True),  # the space's moderators
        ("qi_member", False),
        ("coach", False),
        ("district_lead", False),
        ("outsider", False),
    ],
)
def test_who_may_start_a_poll_in_a_thread(request, thread, who, may):
    user = request.getfixturevalue(who)
    assert polls.can_ask(user, thread=thread) is may
    if not may:
        with pytest.raises(PermissionDenied):
            polls.ask(by=user, question="Q?", choices=SCALES, thread=thread)


def test_a_visitor_may_not_start_a_poll(client, thread):
    from django.contrib.auth.models import AnonymousUser

    assert not polls.can_ask(AnonymousUser(), thread=thread)
    url = reverse("forums:poll_in_thread", args=[thread.pk])
    assert client.get(url).status_code == 302  # to sign in


def test_the_author_of_a_locked_thread_asks_no_more(thread, practitioner, moderator):
    services.thread_set_locked(thread=thread, by=moderator, locked=True)
    thread.refresh_from_db()
    assert not polls.can_ask(practitioner, thread=thread)
    assert polls.can_ask(moderator, thread=thread)


# --- Voting -------------------------------------------------------------------------------


def test_a_vote_counts_once_and_keeps_no_answer_beside_the_voter(poll, qi_member, peer):
    polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Spring"))
    with pytest.raises(polls.AlreadyVoted):
        polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Beam"))
    polls.vote(by=peer, poll=poll, choice_id=_choice(poll, "Spring"))
    assert _counts(poll) == {"Digital": 0, "Spring": 2, "Beam": 0}
    assert PollVoter.objects.filter(poll=poll).count() == 2
    # The voter's row holds no answer, nor any time finer than the day.
    fields = {f.name for f in PollVoter._meta.get_fields()}
    assert fields == {"id", "poll", "user", "day"}


@pytest.mark.parametrize("bad", ["", "x", "999999", None])
def test_a_vote_for_no_answer_of_this_poll_counts_nothing(poll, qi_member, bad):
    with pytest.raises(ValidationError):
        polls.vote(by=qi_member, poll=poll, choice_id=bad)
    assert not PollVoter.objects.filter(poll=poll).exists()  # may vote again
    assert sum(_counts(poll).values()) == 0


def test_an_answer_of_another_poll_is_not_counted_here(poll, thread, qi_member):
    other = polls.ask(
        by=thread.author, question="Another?", choices=["Yes", "No"], thread=thread
    )
    with pytest.raises(ValidationError):
        polls.vote(by=qi_member, poll=poll, choice_id=_choice(other, "Yes"))
    assert sum(_counts(other).values()) == 0


def test_nobody_votes_after_the_poll_closes(poll, practitioner, qi_member, peer):
    polls.close(by=practitioner, poll=poll)
    with pytest.raises(PermissionDenied):
        polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Beam"))
    timed = polls.ask(
        by=practitioner,
        question="Timed?",
        choices=["A", "B"],
        duration="5m",
        thread=poll.thread,
    )
    Poll.objects.filter(pk=timed.pk).update(
        closes_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    timed.refresh_from_db()
    with pytest.raises(PermissionDenied):
        polls.vote(by=peer, poll=timed, choice_id=_choice(timed, "A"))


def test_only_whoever_runs_the_poll_closes_it(poll, qi_member, moderator):
    with pytest.raises(PermissionDenied):
        polls.close(by=qi_member, poll=poll)
    polls.close(by=moderator, poll=poll)
    assert not poll.is_open()


def test_asking_checks_the_question_and_answers(thread, practitioner):
    def ask(question, choices):
        polls.ask(by=practitioner, question=question, choices=choices, thread=thread)

    for question, choices in [
        ("", SCALES),
        ("Q?", ["Only one"]),
        ("Q?", ["Same", "same "]),
        ("Q?", [str(i) for i in range(9)]),
        ("Q?", ["x" * 121, "y"]),
    ]:
        with pytest.raises(ValidationError):
            ask(question, choices)
    for i in range(polls.MAX_PER_THREAD):
        ask(f"Q{i}?", ["A", "B"])
    with pytest.raises(ValidationError):
        ask("One too many?", ["A", "B"])


# --- Pages --------------------------------------------------------------------------------


def test_counts_wait_for_the_members_own_vote(client, poll, qi_member):
    client.force_login(qi_member)
    page = client.get(poll.thread.get_absolute_url()).content.decode()
    assert "Which scale?" in page and 'name="choice"' in page
    assert 'data-count="' not in page
    response = client.post(
        reverse("forums:poll_vote", args=[poll.pk]),
        {"choice": _choice(poll, "Beam")},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#poll-{poll.pk}")
    page = client.get(response["Location"]).content.decode()
    assert 'name="choice"' not in page and 'data-count="' in page
    assert "Thank you: your vote is counted" in page


def test_a_visitor_and_the_asker_see_the_counts(client, poll, practitioner):
    page = client.get(poll.thread.get_absolute_url()).content.decode()
    assert 'data-count="' in page and 'name="choice"' not in page
    client.force_login(practitioner)
    page = client.get(poll.thread.get_absolute_url()).content.decode()
    assert 'data-count="' in page and "Close the poll" in page


def test_a_vote_by_script_answers_json_and_a_second_says_so(client, poll, qi_member):
    client.force_login(qi_member)
    url = reverse("forums:poll_vote", args=[poll.pk])
    headers = {"Accept": "application/json"}
    first = client.post(url, {"choice": _choice(poll, "Beam")}, headers=headers)
    assert first.status_code == 200 and first.json()["ok"]
    again = client.post(url, {"choice": _choice(poll, "Digital")}, headers=headers)
    assert "already voted" in again.json()["message"]
    bad = client.post(url, {"choice": "nope"}, headers=headers)
    assert bad.status_code == 400
    assert _counts(poll) == {"Digital": 0, "Spring": 0, "Beam": 1}


def test_the_form_shows_again_what_was_typed(client, thread, practitioner):
    client.force_login(practitioner)
    url = reverse("forums:poll_in_thread", args=[thread.pk])
    response = client.post(url, {"question": "Which scale?", "choices": "Only one"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Give between 2 and 8 answers." in page
    assert 'value="Which scale?"' in page and "Only one</textarea>" in page
    response = client.post(
        url, {"question": "Which scale?", "choices": "A\nB\n\n", "duration": "1d"}
    )
    poll = Poll.objects.get(thread=thread)
    assert response["Location"].endswith(f"#poll-{poll.pk}")
    assert [c.label for c in poll.choices.all()] == ["A", "B"]
    assert poll.closes_at is not None


def test_a_poll_out_of_reach_is_not_found(client, spaces, coach, qi_member):
    private = services.thread_create(
        space=spaces.private, author=coach, title="Coaches only", body="…"
    )
    poll = polls.ask(by=coach, question="Hidden?", choices=["A", "B"], thread=private)
    client.force_login(qi_member)
    polls_url = reverse("forums:thread_polls", args=[private.pk])
    assert client.get(polls_url).status_code == 404
    response = client.post(reverse("forums:poll_vote", args=[poll.pk]), {"choice": 1})
    assert response.status_code == 404
    assert client.post(reverse("forums:poll_close", args=[poll.pk])).status_code == 404
    ask_url = reverse("forums:poll_in_thread", args=[private.pk])
    assert client.get(ask_url).status_code == 404
    assert sum(_counts(poll).values()) == 0


def test_no_page_or_frame_names_a_voter(
    client, poll, qi_member, peer, practitioner, django_capture_on_commit_callbacks
):
    named(qi_member, "Amani Voter")
    frames = []
    from community import realtime

    original = realtime.broadcast_on_commit
    realtime_calls = []

    def capture(group, event, **kwargs):
        realtime_calls.append(group)
        frames.append(event)
        return original(group, event, **kwargs)

    polls.broadcast_on_commit = capture
    try:
        with django_capture_on_commit_callbacks(execute=True):
            polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Spring"))
    finally:
        polls.broadcast_on_commit = original
    assert realtime_calls == [f"thread.{poll.thread_id}"]
    assert json.dumps(frames[0]).count("Amani") == 0
    assert set(frames[0]) == {"type", "poll", "total", "choices"}
    for reader in (practitioner, peer, None):
        client.logout()
        if reader:
            client.force_login(reader)
        for url in (
            poll.thread.get_absolute_url(),
            reverse("forums:thread_polls", args=[poll.thread_id]),
        ):
            assert "Amani" not in client.get(url).content.decode()


def test_a_vote_renews_the_visitors_kept_page(client, poll, qi_member):
    url = poll.thread.get_absolute_url()
    assert "0 votes" in client.get(url).content.decode()
    polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Beam"))
    assert "1 vote</span>" in client.get(url).content.decode()


def test_the_thread_page_asks_the_same_queries_for_one_poll_or_three(
    client, thread, practitioner, qi_member
):
    client.force_login(qi_member)
    url = thread.get_absolute_url()

    def count():
        client.get(url)  # warm: read state, caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    polls.ask(by=practitioner, question="One?", choices=["A", "B"], thread=thread)
    one = count()
    for i in range(2):
        polls.ask(by=practitioner, question=f"More {i}?", choices=SCALES, thread=thread)
    assert count() == one


def test_the_members_data_says_where_they_voted_and_not_what(poll, qi_member):
    from forums.personal_data import export

    polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Spring"))
    rows = export(qi_member)["polls_you_voted_in"]
    assert [row["poll__question"] for row in rows] == ["Which scale?"]
    assert "Spring" not in json.dumps(rows, default=str)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the unique row matters on PostgreSQL",
)
def test_a_double_tap_on_two_workers_counts_once(poll, qi_member):
    from tests.races import at_once

    results = at_once(
        lambda: polls.vote(by=qi_member, poll=poll, choice_id=_choice(poll, "Beam")),
        polls.AlreadyVoted,
    )
    assert results == ["already"] * 3 + ["counted"]
    assert _counts(poll)["Beam"] == 1


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("moderator", True),
        ("practitioner", False),  # its asker: closes it, does not remove it
        ("qi_member", False),
        ("district_lead", False),
    ],
)
def test_only_moderators_remove_a_poll(client, request, poll, who, may):
    client.force_login(request.getfixturevalue(who))
    page = client.get(poll.thread.get_absolute_url()).content.decode()
    assert ("Remove the poll" in page) is may
    response = client.post(reverse("forums:poll_remove", args=[poll.pk]))
    if may:
        assert response.status_code == 302
        assert response["Location"] == poll.thread.get_absolute_url()
        assert not Poll.objects.filter(pk=poll.pk).exists()
    else:
        assert response.status_code == 403
        assert Poll.objects.filter(pk=poll.pk).exists()
