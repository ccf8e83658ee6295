"""Issue #16, item 5: one decision closes a case, and the author is told what happened.

"Review the author's next posts" (like every sanction) used to leave the case in the
queue for a second decision; now the case is decided and the sanction goes on by
itself. The author's notice says which post, what was decided, what it means for
them, the moderator's note (introduced as such) and where to ask; it never names who
flagged, and for anonymous content only the author ever reads it.
"""

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from community import services as community_services
from community.models import Role
from forums import chat
from forums import services as forum_services
from forums.models import Space, Visibility
from moderation import notices, policy, selectors, services
from moderation.models import (
    Action,
    Case,
    CaseReason,
    CaseStatus,
    Decision,
    Notice,
    Outcome,
    Sanction,
)
from tests.factories import member

SANCTIONS = [Action.WARN, Action.MUTE, Action.SUSPEND, Action.REQUIRE_REVIEW]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(world):
    user = member(Role.PRACTITIONER, world.facility, email="author@example.org")
    community_services.profile_update(user=user, display_name="Nurse Wanjiru")
    return user


@pytest.fixture
def district_space(world):
    return forum_services.space_create(
        name="North network",
        slug="north-net",
        visibility=Visibility.ORGANISATION,
        organisation=world.district,
    )


@pytest.fixture
def safe_space(db):
    return Space.objects.create(
        name="Learning from harm",
        slug="harm",
        visibility=Visibility.MEMBERS,
        safe_space=True,
    )


@pytest.fixture
def thread(district_space, world):
    return forum_services.thread_create(
        space=district_space,
        author=member(Role.PRACTITIONER, world.sibling_facility),
        title="Night handovers",
        body="How do you hand over at night?",
    )


@pytest.fixture
def post(thread, author):
    return forum_services.post_create(
        thread=thread,
        author=author,
        body="The night team never listens, they are lazy and careless.",
    )


def flag_until_held(content, world, *, text="They insult the night team, says Amina"):
    """Three members flag it: it is held (hidden until reviewed)."""
    flaggers = [
        member(Role.PRACTITIONER, world.sibling_facility, first_name="Amina")
        for _ in range(3)
    ]
    for flagger in flaggers:
        services.flag_create(
            content=content, flagger=flagger, reason="harassment", text=text
        )
    return flaggers


def decide(client, case, **data):
    prefix = f"case{case.pk}"
    return client.post(
        f"/moderation/cases/{case.pk}/decide/",
        {f"{prefix}-{key}": value for key, value in data.items()},
    )


# --- The case closes --------------------------------------------------------------


def test_review_the_authors_next_posts_closes_the_case_and_the_review_goes_on(
    client, moderator, post, author, world
):
    flag_until_held(post, world)
    case = Case.objects.get()
    assert case.status == CaseStatus.HELD
    client.force_login(moderator)
    response = decide(
        client,
        case,
        action=Action.REQUIRE_REVIEW,
        reason="Criticise practices, not colleagues.",
        days=3,
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED and case.resolved_at is not None
    # Nothing left to decide: the queue no longer lists it.
    assert not [i for i in selectors.queue_for(moderator) if i["case"] == case]
    assert "lazy and careless" not in client.get("/moderation/").content.decode()
    # One decision in the audit log, with what it left the post as.
    decision = Decision.objects.get()
    assert decision.case == case and decision.action == Action.REQUIRE_REVIEW
    assert decision.days == 3 and decision.outcome == Outcome.HIDDEN
    log = client.get("/moderation/audit/").content.decode()
    assert "Review the author&#x27;s next posts (3 days); content hidden" in log
    # Content is named by its kind and words, never its sequential database id (the
    # site's addresses are opaque so that the order of posts does not show).
    assert f"#{post.pk}" not in log and f"post #{decision.object_id}" not in log
    # The sanction is what goes on: the author's next post waits for a moderator.
    sanction = Sanction.objects.get()
    assert sanction.decision == decision and sanction.ends > timezone.now()
    assert policy.hold_reason(author=author, text="hello") == CaseReason.REVIEW_REQUIRED
    again = forum_services.post_create(
        thread=post.thread, author=author, body="Handover checklists help."
    )
    held = Case.objects.exclude(status=CaseStatus.RESOLVED).get()
    assert held.object_id == again.pk and held.reason == CaseReason.REVIEW_REQUIRED


@pytest.mark.parametrize("action", SANCTIONS)
def test_every_sanction_closes_the_case(action, moderator, post, world):
    flag_until_held(post, world)
    services.decision_make(
        content=post, moderator=moderator, action=action, reason="Tone", days=2
    )
    assert Case.objects.get().status == CaseStatus.RESOLVED
    assert Decision.objects.get().case.status == CaseStatus.RESOLVED


@pytest.mark.parametrize(
    "outcome,hidden_after",
    [("", True), (Outcome.SHOWN, False), (Outcome.HIDDEN, True)],
)
def test_a_sanction_also_says_what_happens_to_a_held_post(
    outcome, hidden_after, client, moderator, post, world
):
    flag_until_held(post, world)
    client.force_login(moderator)
    decide(
        client,
        Case.objects.get(),
        action=Action.REQUIRE_REVIEW,
        reason="Tone",
        outcome=outcome,
    )
    post.refresh_from_db()
    assert post.hidden is hidden_after
    assert Decision.objects.get().outcome == (
        Outcome.HIDDEN if hidden_after else Outcome.SHOWN
    )


def test_a_sanction_on_a_visible_post_can_hide_it(moderator, post):
    services.decision_make(
        content=post,
        moderator=moderator,
        action=Action.WARN,
        reason="Tone",
        outcome=Outcome.HIDDEN,
    )
    post.refresh_from_db()
    assert post.hidden


def test_other_decisions_ignore_the_outcome_field(moderator, post):
    services.decision_make(
        content=post,
        moderator=moderator,
        action=Action.KEEP,
        reason="Fine",
        outcome=Outcome.HIDDEN,
    )
    post.refresh_from_db()
    assert not post.hidden and Decision.objects.get().outcome == ""


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("moderator", True),
        ("district_lead", True),
        ("coach", True),
        ("practitioner", False),
        ("qi_member", False),
        ("facility_lead", False),
        ("national_team", False),
        ("editor", False),
        ("outsider", False),
    ],
)
def test_who_may_close_a_case_with_a_review(
    role, allowed, client, as_role, post, world
):
    flag_until_held(post, world)
    case = Case.objects.get()
    client.force_login(as_role(role))
    response = decide(client, case, action=Action.REQUIRE_REVIEW, reason="Tone")
    case.refresh_from_db()
    if allowed:
        assert response.status_code == 302
        assert case.status == CaseStatus.RESOLVED
        assert Sanction.objects.count() == 1
    else:
        assert response.status_code == 403
        assert case.status == CaseStatus.HELD
        assert not Decision.objects.exists() and not Sanction.objects.exists()


# --- What the author is told ------------------------------------------------------


def _notice(author) -> Notice:
    return Notice.objects.filter(user=author).first()


def test_the_authors_notice_says_what_happened_in_plain_words(
    moderator, post, author, world
):
    flaggers = flag_until_held(post, world)
    services.decision_make(
        content=post,
        moderator=moderator,
        action=Action.REQUIRE_REVIEW,
        reason="Criticise practices, not colleagues.",
        days=3,
        outcome=Outcome.SHOWN,
    )
    text = _notice(author).text
    # Which post: where, and what it said.
    assert "A moderator looked at your post in “Night handovers”:" in text
    assert "“The night team never listens, they are lazy and careless.”" in text
    # What was decided and what it means for them.
    assert "for the next 3 days (until " in text
    assert "a moderator will check your posts before others see them." in text
    assert "Your post stays visible." in text
    # The moderator's words, introduced as theirs.
    assert "The moderator's note: “Criticise practices, not colleagues.”" in text
    # Where to ask.
    assert "Questions, or do you think this was a mistake?" in text
    assert "Code of conduct: http" in text and "/code-of-conduct/" in text
    # Never who flagged, nor what they wrote.
    assert "Amina" not in text and "says Amina" not in text
    for flagger in flaggers:
        assert flagger.username not in text and flagger.email not in text
    # The link leads to the post while it is visible.
    assert _notice(author).url == post.get_absolute_url()


def test_a_hidden_post_notice_says_so_and_offers_resubmitting(
    moderator, post, author, world
):
    flag_until_held(post, world)
    services.decision_make(
        content=post, moderator=moderator, action=Action.HIDE, reason="Blames people"
    )
    notice = _notice(author)
    assert "What they decided: they hid it." in notice.text
    assert "You can edit it to resubmit it" in notice.text
    assert "The moderator's note: “Blames people”" in notice.text
    assert notice.url == post.get_absolute_url()  # the author can still open it


def test_no_link_to_removed_content(moderator, post, author):
    services.decision_make(
        content=post, moderator=moderator, action=Action.DELETE, reason="Spam"
    )
    notice = _notice(author)
    assert "What they decided: they removed it." in notice.text
    assert notice.url == ""


@override_settings(MODERATION={"CONTACT_EMAIL": "moderators@example.org"})
def test_the_notice_names_where_to_ask_when_the_host_sets_it(moderator, post, author):
    services.decision_make(
        content=post, moderator=moderator, action=Action.WARN, reason="Tone"
    )
    text = _notice(author).text
    assert "What they decided: a warning. You can post as before." in text
    assert "Write to the moderators at moderators@example.org" in text


def test_the_notice_is_written_in_the_authors_language(moderator, post, author):
    profile = author.profile
    profile.language = "fr"
    profile.save(update_fields=["language"])
    services.decision_make(
        content=post,
        moderator=moderator,
        action=Action.SUSPEND,
        reason="Insultes",
        days=2,
    )
    ends = Sanction.objects.get().ends
    from django.utils import translation
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    with translation.override("fr"):
        french_date = date_format(localtime(ends), "DATE_FORMAT")
    assert french_date in _notice(author).text  # the date, as a French reader writes it


def test_the_email_carries_the_notice_and_a_link_to_the_post(
    moderator, post, author, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.decision_make(
            content=post,
            moderator=moderator,
            action=Action.REQUIRE_REVIEW,
            reason="Check tone",
        )
    [email] = mail.outbox
    assert email.to == ["author@example.org"]
    assert "The moderator's note: “Check tone”" in email.body
    assert "Open it: http" in email.body and post.get_absolute_url() in email.body


def test_the_notices_page_shows_paragraphs_and_links_the_code_of_conduct(
    client, moderator, post, author
):
    services.decision_make(
        content=post, moderator=moderator, action=Action.WARN, reason="Be kind"
    )
    client.force_login(author)
    html = client.get("/moderation/notices/").content.decode()
    assert "<p>The moderator&#x27;s note: “Be kind”</p>" in html
    assert 'href="http://' in html and '/code-of-conduct/"' in html


# --- Anonymous content: only its author learns it was theirs ----------------------


def test_an_anonymous_authors_notice_reaches_them_alone(
    client, moderator, safe_space, author, world
):
    peer = member(Role.PRACTITIONER, world.other_facility)
    thread = forum_services.thread_create(
        space=safe_space, author=peer, title="Near misses", body="What happened?"
    )
    post = forum_services.post_create(
        thread=thread,
        author=author,
        body="I missed the signs of pre-eclampsia last night.",
        anonymous=True,
    )
    flag_until_held(post, world)
    client.force_login(moderator)
    queue = client.get("/moderation/").content.decode()
    decide(
        client,
        Case.objects.get(),
        action=Action.REQUIRE_REVIEW,
        reason="Please leave out the ward's details.",
    )
    assert Case.objects.get().status == CaseStatus.RESOLVED
    # The author's own notice says it was their anonymous post: only they read it.
    [notice] = Notice.objects.filter(user=author).exclude(text__startswith="Members")
    assert (
        "A moderator looked at the post you posted anonymously in “Near misses”:"
        in notice.text
    )
    assert "a moderator will check what you post anonymously here" in notice.text
    # Nobody else got a word about it, and nothing the moderator reads names them.
    assert not Notice.objects.exclude(user=author).exists()
    log = client.get("/moderation/audit/").content.decode()
    for page in (queue, log):
        assert "Nurse Wanjiru" not in page and "author@example.org" not in page
        assert author.username not in page


def test_a_chat_message_notice_names_its_room(moderator, author, world):
    space = Space.objects.create(
        name="Maternal health", slug="maternal", visibility=Visibility.MEMBERS
    )
    room = chat.room_for_space(space=space)
    import uuid

    message, _ = chat.message_send(
        room=room, author=author, body="Rude words", client_id=uuid.uuid4()
    )
    services.decision_make(
        content=message, moderator=moderator, action=Action.MUTE, reason="Be kind"
    )
    text = _notice(author).text
    assert f"your chat message in “{room.title}”" in text
    assert "you cannot send chat messages for the next 1 day (until " in text


def test_the_quote_is_short_and_on_one_line():
    quoted = notices.quote("word\n\n" * 200)
    assert "\n" not in quoted and len(quoted) == notices.QUOTE_LENGTH
    assert quoted.endswith("…")
