"""Every write to community data goes through these functions."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions
from .models import Membership, Organisation, Profile


def profile_ensure(*, user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(
    *,
    user,
    display_name: str,
    languages: str = "",
    timezone_name: str = "UTC",
    bio: str = "",
    expertise: list[str] | None = None,
    language: str | None = None,
) -> Profile:
    profile = profile_ensure(user=user)
    profile.display_name = display_name
    if language is not None:
        profile.language = language
    profile.languages = languages
    profile.timezone = timezone_name
    profile.bio = bio
    profile.full_clean()
    profile.save()
    if expertise is not None:
        profile.expertise.set(expertise)
    return profile


@transaction.atomic
def profile_set_directory(
    *,
    user,
    listed: bool,
    show_facility: bool = False,
    show_district: bool = False,
    show_bio: bool = False,
    show_expertise: bool = True,
) -> Profile:
    """Opt in to (or out of) the member directory, choosing what it shows."""
    profile = profile_ensure(user=user)
    profile.listed_in_directory = listed
    profile.show_facility = show_facility
    profile.show_district = show_district
    profile.show_bio = show_bio
    profile.show_expertise = show_expertise
    profile.save(
        update_fields=[
            "listed_in_directory",
            "show_facility",
            "show_district",
            "show_bio",
            "show_expertise",
        ]
    )
    return profile


def profile_set_hidden(*, profile: Profile, hidden: bool) -> Profile:
    """Moderation hides a profile's display name and bio (and can restore them)."""
    profile.hidden = hidden
    profile.save(update_fields=["hidden"])
    return profile


def profile_accept_code_of_conduct(*, user) -> Profile:
    profile = profile_ensure(user=user)
    if profile.code_of_conduct_accepted_at is None:
        profile.code_of_conduct_accepted_at = timezone.now()
        profile.save(update_fields=["code_of_conduct_accepted_at"])
    return profile


def _managed_group(name: str) -> Group:
    """A group the capability map hands out; each of them opens the Wagtail admin
    (what they may do there is decided per model by the permission policies)."""
    group, _created = Group.objects.get_or_create(name=name)
    access = Permission.objects.filter(
        content_type__app_label="wagtailadmin", codename="access_admin"
    ).first()
    if access is not None:
        group.permissions.add(access)
    return group


def _sync_groups(user) -> None:
    """Give the user exactly the managed groups their roles call for."""
    permissions.forget(user)
    wanted = permissions.groups_for(user)
    current = set(
        user.groups.filter(name__in=permissions.MANAGED_GROUPS).values_list(
            "name", flat=True
        )
    )
    for name in wanted - current:
        user.groups.add(_managed_group(name))
    if current - wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    permissions.forget(user)


@transaction.atomic
def membership_create(
    *,
    user,
    organisation: Organisation,
    role: str,
    trusted_publisher: bool = False,
    by=None,
) -> Membership:
    """Add a role; ``by`` (when given) must be allowed to hand it out there."""
    if by is not None and not permissions.can_assign_role(by, organisation, role):
        permissions.check_manage_memberships(by, organisation)
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("You may not assign that role there."))
    membership, _created = Membership.objects.get_or_create(
        user=user,
        organisation=organisation,
        role=role,
        defaults={"trusted_publisher": trusted_publisher},
    )
    if membership.trusted_publisher != trusted_publisher:
        membership.trusted_publisher = trusted_publisher
        membership.save(update_fields=["trusted_publisher"])
    _sync_groups(user)
    return membership


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    organisation: Organisation,
    role: str,
    trusted_publisher: bool,
    by=None,
) -> Membership:
    if by is not None:
        permissions.check_manage_memberships(by, membership.organisation)
        if not permissions.can_assign_role(by, organisation, role):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied(_("You may not assign that role there."))
    membership.organisation = organisation
    membership.role = role
    membership.trusted_publisher = trusted_publisher
    membership.full_clean()
    membership.save()
    _sync_groups(membership.user)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, by=None) -> None:
    if by is not None:
        permissions.check_manage_memberships(by, membership.organisation)
    user = membership.user
    membership.delete()
    _sync_groups(user)


def organisation_create(
    *,
    name: str,
    slug: str,
    level: str,
    parent: Organisation | None = None,
    ownership: str = "",
) -> Organisation:
    organisation = Organisation(
        name=name, slug=slug, level=level, parent=parent, ownership=ownership
    )
    organisation.full_clean()
    organisation.save()
    return organisation
