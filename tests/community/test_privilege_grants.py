"""Granting a privileged role is itself privileged: two-factor for whoever can grant
one, never to oneself, and never quiet (an audit entry, an email to the member and to
every moderator)."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from wagtail.models import ModelLogEntry

from community import permissions, services
from community.models import Membership, Role
from tests.factories import member


@pytest.fixture
def mfa_on(settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "REQUIRE_MFA_FOR_PRIVILEGED": True}


def totp(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )


@pytest.mark.parametrize(
    "role,needs",
    [
        (Role.NATIONAL_TEAM, True),
        (Role.MODERATOR, True),
        ("editor", True),
        (Role.DISTRICT_LEAD, False),
        (Role.COACH, False),
        (Role.FACILITY_LEAD, False),
        (Role.PRACTITIONER, False),
    ],
)
def test_who_must_use_two_factor(role, needs, as_role, mfa_on):
    assert permissions.requires_mfa(as_role(role)) is needs


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.NATIONAL_EDITOR])
def test_the_national_team_grants_a_privileged_role_only_with_two_factor(
    role, world, national_team, practitioner, mfa_on
):
    with pytest.raises(PermissionDenied):
        services.membership_create(
            user=practitioner, organisation=world.country, role=role, by=national_team
        )
    assert not Membership.objects.filter(user=practitioner, role=role).exists()
    totp(national_team)
    services.membership_create(
        user=practitioner, organisation=world.country, role=role, by=national_team
    )
    assert Membership.objects.filter(user=practitioner, role=role).exists()


@pytest.mark.parametrize(
    "role", [Role.MODERATOR, Role.NATIONAL_EDITOR, Role.NATIONAL_TEAM]
)
def test_nobody_grants_themselves_an_elevated_role(role, world, national_team):
    totp(national_team)
    with pytest.raises(PermissionDenied):
        services.membership_create(
            user=national_team, organisation=world.country, role=role, by=national_team
        )
    mine = Membership.objects.get(user=national_team)
    with pytest.raises(PermissionDenied):
        services.membership_update(
            membership=mine,
            organisation=world.country,
            role=Role.MODERATOR,
            trusted_publisher=False,
            by=national_team,
        )


@pytest.mark.parametrize("role", [Role.DISTRICT_LEAD, Role.COACH, Role.PRACTITIONER])
def test_roles_that_cannot_grant_national_roles_are_refused(role, world, as_role):
    granter = as_role(role)
    grantee = member(Role.PRACTITIONER, world.facility)
    with pytest.raises(PermissionDenied):
        services.membership_create(
            user=grantee, organisation=world.country, role=Role.MODERATOR, by=granter
        )


def test_a_grant_is_audited_and_announced(world, national_team, practitioner, mfa_on):
    totp(national_team)
    moderator = member(Role.MODERATOR, world.country, email="steward@example.org")
    practitioner.email = "new.mod@example.org"
    practitioner.save()
    mail.outbox.clear()
    with pytest.raises(Exception):  # noqa: B017 - the refused self-grant first
        services.membership_create(
            user=national_team,
            organisation=world.country,
            role=Role.MODERATOR,
            by=national_team,
        )
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        membership = services.membership_create(
            user=practitioner,
            organisation=world.country,
            role=Role.MODERATOR,
            by=national_team,
        )
    entry = ModelLogEntry.objects.get(action="community.grant")
    assert entry.user_id == national_team.pk
    assert entry.object_id == str(membership.pk)
    recipients = {address for message in mail.outbox for address in message.to}
    assert {"new.mod@example.org", moderator.email} <= recipients
    assert all("Moderator" in message.body for message in mail.outbox)


def test_the_admin_form_refuses_without_two_factor_and_keeps_the_input(
    client, world, national_team, practitioner, mfa_on
):
    totp(national_team)  # to pass the page middleware
    from allauth.mfa.models import Authenticator

    client.force_login(national_team)
    Authenticator.objects.filter(user=national_team).delete()
    response = client.post(
        "/admin/memberships/new/",
        {
            "user": practitioner.pk,
            "organisation": world.country.pk,
            "role": Role.MODERATOR,
        },
    )
    # Either sent to set up two-factor, or the form refuses: never a grant.
    assert response.status_code in (200, 302)
    assert not Membership.objects.filter(
        user=practitioner, role=Role.MODERATOR
    ).exists()
