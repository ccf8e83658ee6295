"""Every write to community data goes through these functions."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions, zones
from .models import (
    Department,
    DepartmentMember,
    Membership,
    Organisation,
    Profile,
    Role,
)
from .privacy import imitates_an_alias

ALIAS_NAME_ERROR = gettext_lazy(
    "This name looks like the name anonymous posts are shown under; choose another."
)


def profile_ensure(*, user) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def _sync_admin_name(user, display_name: str) -> None:
    """Wagtail's admin names a user by ``get_full_name()``, else the opaque username:
    keep ``first_name`` the display name, so page history, revisions, locks, workflow
    and the account menu say who it was. Never the anonymous alias: that is a post's,
    not a user's."""
    name = display_name.strip()[:150]
    if (user.first_name, user.last_name) != (name, ""):
        user.first_name, user.last_name = name, ""
        user.save(update_fields=["first_name", "last_name"])


@transaction.atomic
def profile_update(
    *,
    user,
    display_name: str,
    languages: str = "",
    timezone_name: str | None = None,
    bio: str = "",
    expertise: list[str] | None = None,
    language: str | None = None,
    save_data: bool | None = None,
) -> Profile:
    profile = profile_ensure(user=user)
    if imitates_an_alias(display_name):
        raise ValidationError({"display_name": ALIAS_NAME_ERROR})
    profile.display_name = display_name
    if language is not None:
        profile.language = language
    profile.languages = languages
    if timezone_name is not None:
        # Empty: follow the organisation's zone (``community.zones``).
        profile.timezone = timezone_name
    profile.bio = bio
    if save_data is not None:
        profile.save_data = save_data  # ``community.datasaver``
    profile.full_clean()
    profile.save()
    _sync_admin_name(user, display_name)
    if expertise is not None:
        profile.expertise.set(expertise)
    zones.forget(user)
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
    zones.forget(user)


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
    if by is not None:
        _check_grant(by, user, organisation, role)
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
    if _created and by is not None:
        _announce_grant(membership, by)
    return membership


def _check_grant(by, user, organisation: Organisation, role: str) -> None:
    if not permissions.can_assign_role(by, organisation, role):
        permissions.check_manage_memberships(by, organisation)
        raise PermissionDenied(_("You may not assign that role there."))
    refusal = permissions.grant_refusal(by, user, role)
    if refusal:
        raise PermissionDenied(refusal)


def _announce_grant(membership: Membership, by) -> None:
    """A privileged or granting role given is never quiet: an audit entry, and an email
    to the member and to every moderator (who would notice a grant they did not
    expect)."""
    if membership.role not in permissions.ELEVATED_ROLES:
        return
    from wagtail.log_actions import log

    role = membership.get_role_display()
    log(
        instance=membership,
        action="community.grant",
        user=by,
        data={"role": membership.role, "organisation": membership.organisation_id},
    )
    grantee = membership.user
    granter = _name(by)
    to_grantee = [grantee.email] if grantee.email else []
    moderators = list(
        get_user_model()
        .objects.filter(memberships__role=Role.MODERATOR, is_active=True, email__gt="")
        .exclude(pk=grantee.pk)
        .values_list("email", flat=True)
        .distinct()
    )
    subject = _("A role was given: %(role)s") % {"role": role}
    body = _(
        "%(granter)s gave %(grantee)s the role “%(role)s” at %(org)s. If you did not "
        "expect this, tell the national team and the moderators at once."
    ) % {
        "granter": granter,
        "grantee": _name(grantee),
        "role": role,
        "org": membership.organisation,
    }

    def send() -> None:
        for recipients in (to_grantee, moderators):
            if recipients:
                send_mail(subject, body, None, recipients, fail_silently=True)

    transaction.on_commit(send)


def _name(user) -> str:
    profile = getattr(user, "profile", None)
    # Never the opaque username: members are named by their display name only.
    return (profile.display_name if profile else "") or _("Member")


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    organisation: Organisation,
    role: str,
    trusted_publisher: bool,
    by=None,
) -> Membership:
    promoted = role in permissions.ELEVATED_ROLES and role != membership.role
    if by is not None:
        permissions.check_manage_memberships(by, membership.organisation)
        _check_grant(by, membership.user, organisation, role)
    membership.organisation = organisation
    membership.role = role
    membership.trusted_publisher = trusted_publisher
    membership.full_clean()
    membership.save()
    _sync_groups(membership.user)
    _prune_departments(membership.user)
    if promoted and by is not None:
        _announce_grant(membership, by)
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, by=None) -> None:
    if by is not None:
        permissions.check_manage_memberships(by, membership.organisation)
    user = membership.user
    membership.delete()
    _sync_groups(user)
    _prune_departments(user)


def organisation_create(
    *,
    name: str,
    slug: str,
    level: str,
    parent: Organisation | None = None,
    ownership: str = "",
    timezone_name: str = "",
) -> Organisation:
    organisation = Organisation(
        name=name,
        slug=slug,
        level=level,
        parent=parent,
        ownership=ownership,
        timezone=timezone_name,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


def organisation_set_timezone(
    *, organisation: Organisation, timezone_name: str
) -> Organisation:
    """The zone an organisation's members read times in (empty: its parent's)."""
    organisation.timezone = timezone_name
    organisation.full_clean()
    organisation.save(update_fields=["timezone"])
    return organisation


# --- Departments -------------------------------------------------------------------


def _prune_departments(user) -> None:
    """A member who no longer belongs to a facility no longer works in its wards."""
    homes = Membership.objects.filter(user=user).values("organisation_id")
    DepartmentMember.objects.filter(user=user).exclude(
        department__facility_id__in=homes
    ).delete()


@transaction.atomic
def department_create(*, facility: Organisation, by, name: str) -> Department:
    from django.utils.text import slugify

    permissions.check_manage_departments(by, facility)
    name = " ".join(name.split())
    slug = slugify(name)[:120] or "department"
    taken = ValidationError(
        {
            "name": _("%(facility)s already has a department called “%(name)s”.")
            % {"facility": facility, "name": name}
        }
    )
    if Department.objects.filter(facility=facility, slug=slug).exists():
        raise taken
    department = Department(facility=facility, name=name, slug=slug)
    department.full_clean()
    try:
        with transaction.atomic():
            department.save()
    except IntegrityError:  # the same name, added a moment ago by another request
        raise taken from None
    return department


@transaction.atomic
def department_delete(*, department: Department, by) -> None:
    """Its spaces, projects and events stay, scoped to the whole facility again."""
    permissions.check_manage_departments(by, department.facility)
    department.delete()


def department_join(*, department: Department, user) -> DepartmentMember:
    if not permissions.works_at(user, department.facility):
        raise PermissionDenied(
            _("Only members of %(facility)s say which of its departments they work in.")
            % {"facility": department.facility}
        )
    row, _created = DepartmentMember.objects.get_or_create(
        department=department, user=user
    )
    return row


def department_leave(*, department: Department, user) -> None:
    DepartmentMember.objects.filter(department=department, user=user).delete()
