"""The opt-in member directory and facility profiles: reads only.

Only members who chose to be listed ever appear, and only with what they chose to show:
filtering by district or facility looks only at members who show it, so a search can
never reveal more than the cards do.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from taggit.models import Tag

from .mentions import profile_url
from .models import Level, Membership, Organisation, Profile


def listed_profiles() -> QuerySet[Profile]:
    return Profile.objects.filter(
        listed_in_directory=True, hidden=False, user__is_active=True
    )


def directory(
    *, query: str = "", expertise: str = "", district: str = "", facility: str = ""
) -> QuerySet[Profile]:
    profiles = listed_profiles()
    if query:
        profiles = profiles.filter(
            Q(display_name__icontains=query)
            | Q(show_expertise=True, expertise__name__icontains=query)
        )
    if expertise:
        profiles = profiles.filter(show_expertise=True, expertise__slug=expertise)
    if district:
        users = Membership.objects.filter(
            Q(organisation__slug=district, organisation__level=Level.DISTRICT)
            | Q(organisation__parent__slug=district)
        ).values("user_id")
        # A facility shown reveals its district too.
        profiles = profiles.filter(
            Q(show_district=True) | Q(show_facility=True), user_id__in=users
        )
    if facility:
        users = Membership.objects.filter(
            organisation__slug=facility, organisation__level=Level.FACILITY
        ).values("user_id")
        profiles = profiles.filter(show_facility=True, user_id__in=users)
    memberships = Membership.objects.select_related("organisation__parent")
    return (
        profiles.select_related("user")
        .prefetch_related(
            "expertise",
            Prefetch("user__memberships", queryset=memberships),
        )
        .distinct()
        .order_by("display_name", "pk")
    )


def card(profile: Profile) -> dict:
    """What a listed member's card shows: their name, and what they chose."""
    facilities, districts = [], []
    for membership in profile.user.memberships.all():
        org = membership.organisation
        if org.level == Level.FACILITY:
            facilities.append(org)
            if org.parent is not None:
                districts.append(org.parent)
        elif org.level == Level.DISTRICT:
            districts.append(org)
    return {
        "name": profile.public_name,
        "url": profile_url(profile.user_id) if profile.mention_key else "",
        "facilities": sorted(set(facilities), key=lambda o: o.name)
        if profile.show_facility
        else [],
        "districts": sorted(set(districts), key=lambda o: o.name)
        if profile.show_district or profile.show_facility
        else [],
        "bio": profile.bio if profile.show_bio else "",
        "expertise": sorted(
            profile.expertise.all(),
            key=lambda t: t.name.lower(),
        )
        if profile.show_expertise
        else [],
    }


def facilities_with_expertise(tag_slug: str) -> QuerySet[Organisation]:
    """Facilities where a listed member who shows their facility knows ``tag``."""
    users = (
        listed_profiles()
        .filter(show_facility=True, show_expertise=True, expertise__slug=tag_slug)
        .values("user_id")
    )
    return (
        Organisation.objects.filter(
            level=Level.FACILITY, memberships__user_id__in=users
        )
        .select_related("parent")
        .distinct()
        .order_by("name")
    )


def expertise_tags() -> QuerySet[Tag]:
    return (
        Tag.objects.filter(
            taggit_taggeditem_items__content_type__app_label="community",
            taggit_taggeditem_items__content_type__model="profile",
            taggit_taggeditem_items__object_id__in=listed_profiles()
            .filter(show_expertise=True)
            .values("pk"),
        )
        .distinct()
        .order_by("name")
    )


def listed_at(facility: Organisation, department=None) -> list[dict]:
    """The listed members of a facility who show it (of one of its departments, when
    given: the ones who say they work there)."""
    users = Membership.objects.filter(organisation=facility).values("user_id")
    profiles = directory().filter(show_facility=True, user_id__in=users)
    if department is not None:
        profiles = profiles.filter(user__department_memberships__department=department)
    return [card(p) for p in profiles]
