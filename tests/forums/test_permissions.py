"""Who may see, post in and moderate each kind of space."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from forums import permissions, services
from forums.models import Space, Thread

ALL = [
    "practitioner",
    "qi_member",
    "facility_lead",
    "coach",
    "district_lead",
    "national_team",
    "editor",
    "moderator",
    "outsider",
]


def matrix(allowed):
    return [(role, role in allowed) for role in ALL]


EVERYONE = set(ALL)
NORTH = {"practitioner", "qi_member", "facility_lead", "coach", "district_lead"}


@pytest.mark.parametrize(
    "space_name,role,expected",
    [("public", r, e) for r, e in matrix(EVERYONE)]
    + [("members", r, e) for r, e in matrix(EVERYONE)]
    + [("district", r, e) for r, e in matrix(NORTH | {"moderator"})]
    + [("facility", r, e) for r, e in matrix(NORTH | {"moderator"})]
    + [("other_district", r, e) for r, e in matrix({"moderator"})]
    + [("private", r, e) for r, e in matrix({"coach", "moderator"})]
    + [("district_safe", r, e) for r, e in matrix(NORTH | {"moderator"})],
)
def test_who_sees_each_space(space_name, role, expected, as_role, spaces):
    user = as_role(role)
    space = getattr(spaces, space_name)
    assert permissions.can_view_space(user, space) is expected
    listed = Space.objects.visible_to(user).filter(pk=space.pk).exists()
    assert listed is expected  # the queryset and the predicate agree


def test_visitor_sees_public_spaces_only(spaces):
    visitor = AnonymousUser()
    assert set(Space.objects.visible_to(visitor)) == {spaces.public}
    assert not permissions.can_post_in_space(visitor, spaces.public)


def test_national_team_does_not_read_a_facility_team_space(national_team, spaces):
    assert not permissions.can_view_space(national_team, spaces.facility)


@pytest.mark.parametrize(
    "space_name,role,expected",
    [("public", r, e) for r, e in matrix(EVERYONE)]
    + [("district", r, e) for r, e in matrix(NORTH | {"moderator"})]
    + [
        ("facility", r, e)
        for r, e in matrix(
            {
                "practitioner",
                "qi_member",
                "facility_lead",
                "coach",
                "district_lead",
                "moderator",
            }
        )
    ]
    + [("other_district", r, e) for r, e in matrix({"moderator"})]
    + [("private", r, e) for r, e in matrix({"coach"})],
)
def test_who_may_post(space_name, role, expected, as_role, spaces):
    assert (
        permissions.can_post_in_space(as_role(role), getattr(spaces, space_name))
        is expected
    )


@pytest.mark.parametrize(
    "space_name,role,expected",
    [("district", r, e) for r, e in matrix({"coach", "district_lead", "moderator"})]
    + [("facility", r, e) for r, e in matrix({"coach", "district_lead", "moderator"})]
    + [("members", r, e) for r, e in matrix({"moderator"})]
    + [("safe", r, e) for r, e in matrix({"moderator"})]
    + [("district_safe", r, e) for r, e in matrix({"moderator"})],
)
def test_who_moderates(space_name, role, expected, as_role, spaces):
    assert (
        permissions.can_moderate_space(as_role(role), getattr(spaces, space_name))
        is expected
    )


def test_anonymous_posting_only_in_safe_spaces(practitioner, spaces):
    assert permissions.can_post_anonymously(practitioner, spaces.safe)
    assert not permissions.can_post_anonymously(practitioner, spaces.public)
    with pytest.raises(PermissionDenied):
        services.thread_create(
            space=spaces.public,
            author=practitioner,
            title="Hello",
            body="Hi",
            anonymous=True,
        )


def test_private_space_needs_an_accepted_invitation(coach, practitioner, spaces):
    space = spaces.private
    assert not permissions.can_invite(practitioner, space)
    services.space_invite(space=space, user=practitioner, by=coach)
    assert not permissions.can_view_space(practitioner, space)
    services.space_invitation_accept(space=space, user=practitioner)
    assert permissions.can_view_space(practitioner, space)
    assert permissions.can_post_in_space(practitioner, space)
    assert Space.objects.visible_to(practitioner).filter(pk=space.pk).exists()


def test_outsider_may_not_invite(outsider, practitioner, spaces):
    with pytest.raises(PermissionDenied):
        services.space_invite(space=spaces.private, user=practitioner, by=outsider)


def test_threads_of_invisible_spaces_never_listed(practitioner, national_team, spaces):
    thread = services.thread_create(
        space=spaces.facility, author=practitioner, title="Our PDSA", body="Plan"
    )
    assert Thread.objects.visible_to(practitioner).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(national_team).filter(pk=thread.pk).exists()
    assert not Thread.objects.visible_to(AnonymousUser()).exists()


def test_locked_thread_only_moderators_reply(practitioner, coach, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="Agenda", body="Topics?"
    )
    services.thread_set_locked(thread=thread, by=coach, locked=True)
    assert not permissions.can_reply(practitioner, thread)
    assert permissions.can_reply(coach, thread)
    with pytest.raises(PermissionDenied):
        services.post_create(thread=thread, author=practitioner, body="late")


def test_practitioner_may_not_pin(practitioner, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="Agenda", body="Topics?"
    )
    with pytest.raises(PermissionDenied):
        services.thread_set_pinned(thread=thread, by=practitioner, pinned=True)


def test_author_edits_own_post_peer_may_not(practitioner, peer, coach, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="Agenda", body="Topics?"
    )
    opening = thread.posts.get()
    assert permissions.can_edit_post(practitioner, opening)
    assert not permissions.can_edit_post(peer, opening)
    assert permissions.can_edit_post(coach, opening)  # district moderator
    assert permissions.can_delete_post(practitioner, opening)
    assert not permissions.can_delete_post(coach, opening)  # moderators hide instead


def test_district_lead_never_moderates_safe_space_post(
    practitioner, district_lead, spaces
):
    thread = services.thread_create(
        space=spaces.district_safe,
        author=practitioner,
        title="Hard night",
        body="...",
        anonymous=True,
    )
    opening = thread.posts.get()
    assert not permissions.can_edit_post(district_lead, opening)
    assert not permissions.can_view_history(district_lead, opening)
