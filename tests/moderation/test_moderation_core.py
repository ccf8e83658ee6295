"""The generic moderation app, exercised on member profiles and on a scoped test adapter."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.test import override_settings
from django.utils import timezone

from community import services as community_services
from community.models import Profile, Role
from moderation import permissions, policy, services
from moderation.models import (
    Action,
    Case,
    CaseReason,
    CaseStatus,
    Decision,
    Notice,
    Sanction,
)
from moderation.ratelimit import RateLimited
from moderation.registry import ModerationAdapter, register
from tests.factories import UserFactory, member


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def author(world):
    user = member(Role.PRACTITIONER, world.facility, email="author@example.org")
    community_services.profile_update(
        user=user, display_name="Nurse Author", bio="I like partographs"
    )
    return user


@pytest.fixture
def profile(author):
    return Profile.objects.get(user=author)


def peers(world, n, **kwargs):
    return [member(Role.PRACTITIONER, world.other_facility, **kwargs) for _ in range(n)]


def test_flags_past_the_threshold_hide_and_tell_the_author(
    world, profile, author, django_capture_on_commit_callbacks
):
    flaggers = peers(world, 3)
    services.flag_create(content=profile, flagger=flaggers[0], reason="harassment")
    services.flag_create(content=profile, flagger=flaggers[1], reason="spam")
    profile.refresh_from_db()
    assert not profile.hidden
    with django_capture_on_commit_callbacks(execute=True):
        services.flag_create(
            content=profile, flagger=flaggers[2], reason="other", text="rude"
        )
    profile.refresh_from_db()
    assert profile.hidden
    case = Case.objects.get()
    assert case.status == CaseStatus.HELD and case.score == 3.0
    notice = Notice.objects.get(user=author)
    assert "hidden until a moderator reviews it" in notice.text
    # A profile cannot be resubmitted by editing: the notice does not say it can.
    assert "resubmit" not in notice.text
    assert mail.outbox[-1].to == [author.email]


def test_a_new_members_flag_weighs_less(world, profile):
    newcomer = UserFactory(date_joined=timezone.now())
    services.flag_create(content=profile, flagger=newcomer, reason="spam")
    assert Case.objects.get().score == 0.5


def test_one_flag_per_member(world, profile):
    flagger = peers(world, 1)[0]
    services.flag_create(content=profile, flagger=flagger, reason="spam")
    services.flag_create(content=profile, flagger=flagger, reason="spam")
    assert Case.objects.get().flags.count() == 1
    assert Case.objects.get().score == 1.0


def test_nobody_flags_their_own_content(profile, author):
    with pytest.raises(PermissionDenied):
        services.flag_create(content=profile, flagger=author, reason="spam")


def test_visitors_cannot_flag(profile):
    from django.contrib.auth.models import AnonymousUser

    assert not permissions.can_flag(AnonymousUser(), profile)


@override_settings(MODERATION={"RATE_LIMITS": {"flag": "2/3600"}})
def test_flags_are_rate_limited(world, author):
    flagger = peers(world, 1)[0]
    others = [member(Role.PRACTITIONER, world.facility) for _ in range(3)]
    for other in others[:2]:
        services.flag_create(
            content=community_services.profile_ensure(user=other),
            flagger=flagger,
            reason="spam",
        )
    with pytest.raises(RateLimited):
        services.flag_create(
            content=community_services.profile_ensure(user=others[2]),
            flagger=flagger,
            reason="spam",
        )


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("moderator", True),
        ("district_lead", False),
        ("coach", False),
        ("national_team", False),
        ("facility_lead", False),
        ("practitioner", False),
        ("editor", False),
    ],
)
def test_only_national_moderators_decide_on_profiles(role, allowed, as_role, profile):
    assert permissions.can_moderate(as_role(role), profile) is allowed


def test_keep_restores_and_resolves(world, profile, moderator):
    for flagger in peers(world, 3):
        services.flag_create(content=profile, flagger=flagger, reason="spam")
    services.decision_make(
        content=profile, moderator=moderator, action=Action.KEEP, reason="Not spam"
    )
    profile.refresh_from_db()
    assert not profile.hidden
    assert Case.objects.get().status == CaseStatus.RESOLVED
    decision = Decision.objects.get()
    assert decision.moderator == moderator and decision.reason == "Not spam"
    assert decision.object_id == profile.pk


def test_a_decision_needs_a_reason(profile, moderator):
    with pytest.raises(ValueError):
        services.decision_make(
            content=profile, moderator=moderator, action=Action.HIDE, reason=" "
        )


def test_others_cannot_decide(profile, district_lead):
    with pytest.raises(PermissionDenied):
        services.decision_make(
            content=profile, moderator=district_lead, action=Action.HIDE, reason="x"
        )
    assert not Decision.objects.exists()


def test_suspension_reaches_the_author_without_naming_them(profile, author, moderator):
    decision = services.decision_make(
        content=profile,
        moderator=moderator,
        action=Action.SUSPEND,
        reason="Repeated insults",
        days=3,
    )
    sanction = Sanction.objects.get()
    assert sanction.user == author and sanction.decision == decision
    assert sanction.ends > timezone.now() + timedelta(days=2)
    # The audit row has no field pointing at a person other than the moderator.
    person_fields = [
        f.name
        for f in Decision._meta.get_fields()
        if getattr(f, "related_model", None)
        and f.related_model._meta.label == "auth.User"
    ]
    assert person_fields == ["moderator"]
    with pytest.raises(PermissionDenied, match="suspended until"):
        permissions.check_can_post(author)
    assert (
        "you cannot post for the next 3 days"
        in Notice.objects.filter(user=author).first().text
    )


def test_mute_blocks_chat_but_not_posting(profile, author, moderator):
    services.decision_make(
        content=profile, moderator=moderator, action=Action.MUTE, reason="Spamming chat"
    )
    permissions.check_can_post(author)
    with pytest.raises(PermissionDenied, match="muted"):
        permissions.check_can_chat(author)


def test_require_review_holds_the_next_posts(profile, author, moderator):
    services.decision_make(
        content=profile,
        moderator=moderator,
        action=Action.REQUIRE_REVIEW,
        reason="Check tone",
    )
    assert policy.hold_reason(author=author, text="hello") == CaseReason.REVIEW_REQUIRED


def test_expired_sanctions_lapse(profile, author, moderator):
    services.decision_make(
        content=profile, moderator=moderator, action=Action.SUSPEND, reason="x", days=1
    )
    Sanction.objects.update(ends=timezone.now() - timedelta(seconds=1))
    permissions.check_can_post(author)


@pytest.mark.parametrize(
    "text,reason",
    [
        ("Call the mother on +254 712 345 678 tomorrow", CaseReason.PATIENT_PATTERN),
        ("Her MRN 1234567 shows the dose", CaseReason.PATIENT_PATTERN),
        ("We cut waiting time by 30% in 2024 with 3 extra beds", None),
        ("Audit of 120 partographs: 85 complete", None),
    ],
)
def test_patient_identifier_patterns(author, text, reason):
    assert policy.hold_reason(author=author, text=text) == reason


def test_new_members_links_wait_but_established_members_do_not(author):
    newcomer = UserFactory(date_joined=timezone.now())
    assert (
        policy.hold_reason(author=newcomer, text="see https://example.org")
        == CaseReason.NEW_MEMBER_LINKS
    )
    assert policy.hold_reason(author=newcomer, text="no links here") is None
    assert policy.hold_reason(author=author, text="see https://example.org") is None


def test_content_screen_hides_and_queues(profile, author):
    case = services.content_screen(
        content=profile, author=author, text="phone 0712 345 678"
    )
    profile.refresh_from_db()
    assert profile.hidden and case.status == CaseStatus.HELD
    assert case.reason == CaseReason.PATIENT_PATTERN
    assert "identifies a patient" in Notice.objects.get(user=author).text


# --- scope rules, on a test adapter whose content sits in an organisation ----------------


class Scoped:
    """A stand-in content object: an organisation, a safe-space flag and an author."""

    def __init__(self, organisation, author, safe):
        self.organisation, self._author, self.safe = organisation, author, safe
        self.pk = organisation.pk


class ScopedAdapter(ModerationAdapter):
    def author(self, obj):
        return obj._author

    def scope(self, obj):
        return obj.organisation, obj.safe

    def excerpt(self, obj):
        return "scoped"


@pytest.fixture
def scoped(world, author):
    register(Scoped, ScopedAdapter())
    return lambda safe: Scoped(world.facility, author, safe)


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("moderator", True),
        ("district_lead", True),
        ("coach", True),
        ("facility_lead", False),
        ("national_team", False),
        ("practitioner", False),
    ],
)
def test_district_moderation_outside_safe_spaces(role, allowed, as_role, scoped):
    assert permissions.can_moderate(as_role(role), scoped(False)) is allowed


@pytest.mark.parametrize(
    "role,allowed",
    [
        ("moderator", True),
        ("district_lead", False),
        ("coach", False),
        ("facility_lead", False),
    ],
)
def test_only_moderators_in_safe_spaces(role, allowed, as_role, scoped):
    assert permissions.can_moderate(as_role(role), scoped(True)) is allowed


def test_a_moderator_who_leads_anyone_stays_out_of_every_safe_space(world, scoped):
    """Whether they lead this author or another district: a refusal that depended on
    the author would tell the moderator which anonymous posts come from their people."""
    moderator = member(Role.MODERATOR, world.country)
    community_services.membership_create(
        user=moderator, organisation=world.district, role=Role.DISTRICT_LEAD
    )
    assert not permissions.can_moderate(moderator, scoped(True))
    other = member(Role.MODERATOR, world.country)
    community_services.membership_create(
        user=other, organisation=world.other_district, role=Role.DISTRICT_LEAD
    )
    assert not permissions.can_moderate(other, scoped(True))
    assert permissions.can_moderate(other, scoped(False))
