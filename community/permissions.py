"""The capability map: the only place that turns roles into permissions.

Every plugin asks these functions ("may this user schedule events for district D?");
nothing else in the suite inspects role names or ``is_staff``. A capability held through a
membership at an organisation reaches that organisation's whole subtree: a district lead
of D holds it for D and every facility in D; a national role holds it for the country.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from .conf import setting
from .models import Level, Membership, Organisation, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser


class Cap(StrEnum):
    PARTICIPATE = "participate"  # post, chat, register, flag
    ENTER_MEASUREMENTS = "enter_measurements"
    DOCUMENT_IMPROVEMENT = "document_improvement"  # QI projects, PDSA cycles
    PUBLISH_STORIES = "publish_stories"  # improvement stories for communities
    SCHEDULE_EVENTS = "schedule_events"
    MODERATE_DISTRICT = "moderate_district"  # district spaces, never safe spaces
    MODERATE = "moderate"  # national safe-space stewards
    VIEW_DISTRICT_DATA = "view_district_data"  # comparisons, cadence
    MANAGE_MEMBERSHIPS = "manage_memberships"
    PUBLISH_LIBRARY = "publish_library"
    VIEW_AUDIT_LOG = "view_audit_log"
    TRIAGE_NEEDS = "triage_needs"
    EDIT_INDICATORS = "edit_indicators"
    MANAGE_DEPARTMENTS = "manage_departments"  # a facility's wards and units


_MEMBER = {Cap.PARTICIPATE}
_QI = _MEMBER | {Cap.ENTER_MEASUREMENTS, Cap.DOCUMENT_IMPROVEMENT}

ROLE_CAPABILITIES: dict[str, frozenset[Cap]] = {
    Role.PRACTITIONER: frozenset(_MEMBER | {Cap.DOCUMENT_IMPROVEMENT}),
    Role.QI_MEMBER: frozenset(_QI),
    Role.FACILITY_LEAD: frozenset(
        _QI | {Cap.SCHEDULE_EVENTS, Cap.PUBLISH_STORIES, Cap.MANAGE_DEPARTMENTS}
    ),
    Role.COACH: frozenset(
        _MEMBER | {Cap.SCHEDULE_EVENTS, Cap.MODERATE_DISTRICT, Cap.VIEW_DISTRICT_DATA}
    ),
    Role.DISTRICT_LEAD: frozenset(
        _MEMBER
        | {
            Cap.SCHEDULE_EVENTS,
            Cap.MODERATE_DISTRICT,
            Cap.VIEW_DISTRICT_DATA,
            Cap.MANAGE_MEMBERSHIPS,
        }
    ),
    Role.NATIONAL_TEAM: frozenset(
        _MEMBER
        | {
            Cap.SCHEDULE_EVENTS,
            Cap.VIEW_DISTRICT_DATA,
            Cap.MANAGE_MEMBERSHIPS,
            Cap.VIEW_AUDIT_LOG,
            Cap.TRIAGE_NEEDS,
            Cap.EDIT_INDICATORS,
        }
    ),
    # DESIGN: national editors also run webinars and answer learning needs.
    Role.NATIONAL_EDITOR: frozenset(
        _MEMBER | {Cap.PUBLISH_LIBRARY, Cap.SCHEDULE_EVENTS, Cap.TRIAGE_NEEDS}
    ),
    Role.MODERATOR: frozenset(_MEMBER | {Cap.MODERATE, Cap.VIEW_AUDIT_LOG}),
}

# Roles senior to the people in their organisations: nobody holding one of these over an
# author moderates that author's safe-space posts.
LEADERSHIP_ROLES = frozenset(
    {Role.FACILITY_LEAD, Role.COACH, Role.DISTRICT_LEAD, Role.NATIONAL_TEAM}
)

# Roles whose holders must use two-factor authentication (when the setting is on).
PRIVILEGED_ROLES = frozenset({Role.MODERATOR, Role.NATIONAL_EDITOR})
# Roles that can hand out a privileged role (or this one): granting must be as
# protected as holding, so these need two-factor too, and every grant of one of
# ``ELEVATED_ROLES`` is refused for oneself, audited and announced.
GRANTING_ROLES = frozenset({Role.NATIONAL_TEAM})
ELEVATED_ROLES = PRIVILEGED_ROLES | GRANTING_ROLES

# Roles that open the Wagtail admin, and the Django groups that give them their
# Wagtail permissions. Kept in sync by `community.services.membership_*`.
ROLE_GROUPS: dict[str, tuple[str, ...]] = {
    Role.NATIONAL_EDITOR: ("Editors",),
    Role.MODERATOR: ("Community admin",),
    Role.DISTRICT_LEAD: ("Community admin",),
    Role.NATIONAL_TEAM: ("Community admin",),
}
MANAGED_GROUPS = frozenset(name for names in ROLE_GROUPS.values() for name in names)

_CACHE_ATTR = "_community_memberships"


def _memberships(user: AnyUser) -> list[Membership]:
    """The user's memberships, loaded once per request-bound user object, and kept
    between requests in the cache (every signed-in page asks; they change rarely)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        key = _kept_key(user.pk)
        cached = cache.get(key)
        if cached is None:
            cached = list(
                Membership.objects.filter(user=user).select_related(
                    "organisation__parent__parent"
                )
            )
            cache.set(key, cached, KEPT_SECONDS)
        setattr(user, _CACHE_ATTR, cached)
    return cached


# Kept memberships live this long at most; every change to a membership or to the
# organisation tree drops them at once (``memberships_changed``).
KEPT_SECONDS = 300


def _kept_key(user_id: int) -> str:
    return f"community:memberships:{user_id}"


def memberships_changed(user_ids) -> None:
    """Drop the kept memberships of these users: now, and again at commit (a request
    reading in between would keep the old list)."""
    from django.db import transaction

    keys = [_kept_key(pk) for pk in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def _membership_saved(sender, instance, **kwargs) -> None:
    memberships_changed([instance.user_id])


def _organisation_saved(sender, instance, **kwargs) -> None:
    # The kept lists hold the organisation and its parents: its members' and its
    # descendants' members' lists go.
    below = (
        Q(organisation=instance)
        | Q(organisation__parent=instance)
        | Q(organisation__parent__parent=instance)
    )
    memberships_changed(
        set(Membership.objects.filter(below).values_list("user_id", flat=True))
    )


def connect_kept_memberships() -> None:
    from django.db.models.signals import post_delete, post_save

    for signal in (post_save, post_delete):
        signal.connect(
            _membership_saved, sender=Membership, dispatch_uid=f"kept-ms-{signal}"
        )
        signal.connect(
            _organisation_saved, sender=Organisation, dispatch_uid=f"kept-org-{signal}"
        )


def forget(user: AnyUser) -> None:
    """Drop the cached memberships (after a membership changes)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
    if getattr(user, "pk", None) is not None:
        cache.delete(_kept_key(user.pk))


def capabilities(user: AnyUser) -> set[Cap]:
    """Every capability the user holds somewhere."""
    held: set[Cap] = set()
    for membership in _memberships(user):
        held |= ROLE_CAPABILITIES[membership.role]
    return held


def has_capability(user: AnyUser, cap: Cap, organisation: Organisation | None) -> bool:
    """Does the user hold ``cap`` at ``organisation`` (through it or an ancestor)?

    With ``organisation=None`` the question is "anywhere at all".
    """
    if is_active_superuser(user):
        return True
    memberships = _memberships(user)
    if organisation is None:
        return any(cap in ROLE_CAPABILITIES[m.role] for m in memberships)
    lineage = set(organisation.lineage_ids)
    return any(
        m.organisation_id in lineage and cap in ROLE_CAPABILITIES[m.role]
        for m in memberships
    )


def organisations_with(user: AnyUser, cap: Cap) -> list[Organisation]:
    """The organisations at which the user holds ``cap`` directly (subtree roots)."""
    return [
        m.organisation for m in _memberships(user) if cap in ROLE_CAPABILITIES[m.role]
    ]


def organisations_where(user: AnyUser, cap: Cap):
    """A queryset of every organisation where the user holds ``cap``."""
    if is_active_superuser(user):
        return Organisation.objects.all()
    roots = [org.pk for org in organisations_with(user, cap)]
    from django.db.models import Q

    return Organisation.objects.filter(
        Q(pk__in=roots) | Q(parent_id__in=roots) | Q(parent__parent_id__in=roots)
    )


def home_organisations(user: AnyUser) -> list[Organisation]:
    """Where the user belongs (for "organisation" visibility and chains of command)."""
    return [m.organisation for m in _memberships(user)]


def is_member_within(user: AnyUser, organisation: Organisation) -> bool:
    """Does the user belong to ``organisation`` or anything below it?"""
    for membership in _memberships(user):
        if organisation.pk in membership.organisation.lineage_ids:
            return True
    return False


def works_at(user: AnyUser, facility: Organisation) -> bool:
    """Does the user hold a membership at ``facility`` itself (the people who may say
    which of its departments they work in)?"""
    return any(m.organisation_id == facility.pk for m in _memberships(user))


def can_manage_departments(user: AnyUser, facility: Organisation) -> bool:
    """Add and remove a facility's departments, open their spaces."""
    return has_capability(user, Cap.MANAGE_DEPARTMENTS, facility)


def check_manage_departments(user: AnyUser, facility: Organisation) -> None:
    if not can_manage_departments(user, facility):
        raise PermissionDenied(
            _("Only the facility lead of %(facility)s arranges its departments.")
            % {"facility": facility}
        )


def role_needed_for(cap: Cap) -> str | None:
    """The least role that holds ``cap`` (``Role`` lists roles least first)."""
    return next((r for r in Role.values if cap in ROLE_CAPABILITIES.get(r, ())), None)


def how_to_gain(cap: Cap, organisation: Organisation | None = None) -> str:
    """What to tell a member refused ``cap`` at ``organisation``: the role that would
    allow it and who gives it, so a refusal says what to do, not only "forbidden".
    District leads give facility and district roles in their district; the national
    team gives national ones (``can_assign_role``)."""
    role = role_needed_for(cap)
    if role is None:
        return ""
    values = {"role": Role(role).label, "organisation": organisation}
    national = {Role.NATIONAL_TEAM, Role.NATIONAL_EDITOR, Role.MODERATOR}
    if organisation is None or organisation.level == Level.COUNTRY or role in national:
        return _("This needs the role “%(role)s”, which the national team gives.") % (
            values
        )
    if organisation.level == Level.FACILITY:
        return (
            _(
                "This needs the role “%(role)s” at %(organisation)s: ask your facility "
                "lead to have you added (your district lead gives the role)."
            )
            % values
        )
    return (
        _(
            "This needs the role “%(role)s” at %(organisation)s, which your district "
            "lead gives."
        )
        % values
    )


# --- Named questions the plugins ask -------------------------------------------------


def is_active_superuser(user: AnyUser) -> bool:
    """A superuser whose account is active (a deactivated one holds nothing)."""
    return bool(getattr(user, "is_superuser", False) and user.is_active)


def can_participate(user: AnyUser) -> bool:
    """Signed-in, active members may post, chat, register and flag."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def can_schedule_events(user: AnyUser, organisation: Organisation) -> bool:
    """District leads and coaches for their district, facility leads for their facility,
    the national team for the country. No editor approves: not a bottleneck."""
    return has_capability(user, Cap.SCHEDULE_EVENTS, organisation)


def can_moderate_in(
    user: AnyUser, organisation: Organisation | None, *, safe_space: bool
) -> bool:
    """Moderators act everywhere. District leads and coaches moderate their district's
    spaces, but never a safe space: nobody in the poster's chain of command does."""
    if has_capability(user, Cap.MODERATE, organisation):
        return True
    if safe_space or organisation is None:
        return False
    return has_capability(user, Cap.MODERATE_DISTRICT, organisation)


def holds_leadership(user: AnyUser) -> bool:
    """Does ``user`` lead anyone (facility, coach, district or national)?

    Safe-space rules ask this instead of "does ``user`` lead this author": a rule that
    depends on the author would tell whoever it refuses where the author works.
    """
    return any(m.role in LEADERSHIP_ROLES for m in _memberships(user))


def in_chain_of_command(user: AnyUser, subject: AnyUser) -> bool:
    """Does ``user`` hold a leadership role over any organisation ``subject`` belongs to?

    Answers a yes/no for a permission check; it never tells who ``subject`` is.
    """
    if subject is None or not getattr(subject, "is_authenticated", False):
        return False
    lead_orgs = {
        m.organisation_id for m in _memberships(user) if m.role in LEADERSHIP_ROLES
    }
    if not lead_orgs:
        return False
    return any(
        lead_orgs.intersection(m.organisation.lineage_ids)
        for m in _memberships(subject)
    )


def can_view_district_data(user: AnyUser, district: Organisation) -> bool:
    return has_capability(user, Cap.VIEW_DISTRICT_DATA, district)


def can_manage_memberships(
    user: AnyUser, organisation: Organisation | None = None
) -> bool:
    """District leads manage memberships inside their district only; the national team
    across the country."""
    return has_capability(user, Cap.MANAGE_MEMBERSHIPS, organisation)


def grant_refusal(user: AnyUser, grantee: AnyUser | None, role: str) -> str | None:
    """Why ``user`` may not grant ``role`` to ``grantee`` even where they manage
    memberships, or None. Privileged and granting roles are never given to oneself,
    and only by someone who has two-factor set up (when the host requires it)."""
    if role not in ELEVATED_ROLES:
        return None
    if grantee is not None and getattr(grantee, "pk", None) == getattr(user, "pk", 0):
        return _("Nobody gives themselves a moderator, editor or national team role.")
    if setting("REQUIRE_MFA_FOR_PRIVILEGED") and not has_totp(user):
        return _("Set up two-factor authentication before giving this role.")
    return None


def can_assign_role(user: AnyUser, organisation: Organisation, role: str) -> bool:
    """A manager may not hand out roles above their own reach: district leads assign
    facility and district roles in their district; national roles need a national
    manager."""
    if not can_manage_memberships(user, organisation):
        return False
    national_roles = {Role.NATIONAL_TEAM, Role.NATIONAL_EDITOR, Role.MODERATOR}
    if role in national_roles or organisation.level == Level.COUNTRY:
        country = organisation if organisation.level == Level.COUNTRY else None
        if country is None:
            country_id = organisation.lineage_ids[-1]
            country = Organisation.objects.get(pk=country_id)
        return has_capability(user, Cap.MANAGE_MEMBERSHIPS, country)
    return True


def can_publish_library(
    user: AnyUser, organisation: Organisation | None = None
) -> bool:
    return has_capability(user, Cap.PUBLISH_LIBRARY, organisation)


def is_national_library_editor(user: AnyUser) -> bool:
    """Editors at the country level: they publish anywhere in the library and review
    what district editors submit."""
    if is_active_superuser(user):
        return True
    return any(
        m.organisation.level == Level.COUNTRY
        and Cap.PUBLISH_LIBRARY in ROLE_CAPABILITIES[m.role]
        for m in _memberships(user)
    )


def can_publish_library_directly(
    user: AnyUser, organisation: Organisation | None
) -> bool:
    """Publishing without review. National editors publish anywhere
    (``organisation=None`` is the national section); an editor whose membership is
    flagged ``trusted_publisher`` publishes directly within their own organisation."""
    if is_national_library_editor(user):
        return True
    if organisation is None:
        return False
    lineage = set(organisation.lineage_ids)
    return any(
        m.trusted_publisher
        and m.organisation_id in lineage
        and Cap.PUBLISH_LIBRARY in ROLE_CAPABILITIES[m.role]
        for m in _memberships(user)
    )


def roles_with(cap: Cap) -> frozenset[str]:
    """The roles that hold ``cap`` (to find, say, whoever schedules for a facility)."""
    return frozenset(role for role, caps in ROLE_CAPABILITIES.items() if cap in caps)


def groups_with(cap: Cap) -> set[str]:
    """The managed Django groups whose roles hold ``cap`` (for Wagtail's own grants,
    such as which collections a group may upload to)."""
    return {
        name
        for role, names in ROLE_GROUPS.items()
        if cap in ROLE_CAPABILITIES[role]
        for name in names
    }


def can_enter_measurements(user: AnyUser, facility: Organisation) -> bool:
    return has_capability(user, Cap.ENTER_MEASUREMENTS, facility)


def can_view_audit_log(user: AnyUser) -> bool:
    return has_capability(user, Cap.VIEW_AUDIT_LOG, None)


def can_triage_needs(user: AnyUser) -> bool:
    return has_capability(user, Cap.TRIAGE_NEEDS, None)


def requires_mfa(user: AnyUser) -> bool:
    """Moderators and editors (and superusers) must use two-factor authentication,
    when the host's setting asks for it."""
    if not setting("REQUIRE_MFA_FOR_PRIVILEGED"):
        return False
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    return any(m.role in ELEVATED_ROLES for m in _memberships(user))


def has_totp(user: AnyUser) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user=user, type=Authenticator.Type.TOTP
    ).exists()


def mfa_pending(user: AnyUser) -> bool:
    """A privileged member who has not set up two-factor yet: every protocol (HTTP
    pages, websockets) treats them as not yet allowed in until they do."""
    return requires_mfa(user) and not has_totp(user)


def groups_for(user: AnyUser) -> set[str]:
    """The managed Django groups this user's roles call for."""
    return {name for m in _memberships(user) for name in ROLE_GROUPS.get(m.role, ())}


def check_manage_memberships(user: AnyUser, organisation: Organisation) -> None:
    if not can_manage_memberships(user, organisation):
        raise PermissionDenied(
            _("You may not manage memberships of %(org)s.") % {"org": organisation}
        )


def check_schedule_events(user: AnyUser, organisation: Organisation) -> None:
    if not can_schedule_events(user, organisation):
        raise PermissionDenied(
            _("You may not schedule events for %(org)s.") % {"org": organisation}
        )
