"""Demo data for the base: a fictional country, its districts, facilities and people.

`seed(context)` is called by the host's `seed_demo` command, plugin by plugin; it must be
idempotent (a second run changes nothing) and go through the services.
"""

import datetime
import functools
import os

from django.contrib.auth import get_user_model
from django.utils import timezone

from . import phones, services
from .adapters import opaque_username
from .models import Level, Organisation, Ownership, Profile, Role

DEFAULT_DEMO_PASSWORD = "learn-together-2026"

COUNTRY = ("Republic of Lumeria", "lumeria")
# The country's zone: members who chose none read times in it (``community.zones``).
COUNTRY_ZONE = "Africa/Kigali"
# Members who chose a zone of their own (the rest follow their organisation): event
# pages show them their time and the event's beside it.
OWN_ZONES = {"editor@demo.example": "Europe/London"}
DISTRICTS = {
    "northern-hills": (
        "Northern Hills District",
        [
            ("Hillside District Hospital", Ownership.PUBLIC),
            ("Kato Health Centre", Ownership.PUBLIC),
            ("St Agnes Mission Hospital", Ownership.PRIVATE),
            ("Mount Ravi Clinic", Ownership.PRIVATE),
        ],
    ),
    "lakeside": (
        "Lakeside District",
        [
            ("Lakeside Regional Hospital", Ownership.PUBLIC),
            ("Marina Health Centre", Ownership.PUBLIC),
            ("Bayview Maternity Home", Ownership.PRIVATE),
            ("Reed Island Dispensary", Ownership.PUBLIC),
        ],
    ),
    "coastal-plains": (
        "Coastal Plains District",
        [
            ("Port Amara General Hospital", Ownership.PUBLIC),
            ("Dunes Health Centre", Ownership.PUBLIC),
            ("Harbour Family Clinic", Ownership.PRIVATE),
            ("Saltmarsh Health Post", Ownership.PUBLIC),
        ],
    ),
}

# email, display name, role, organisation slug (None: superuser without a role)
DEMO_USERS = [
    (
        "practitioner@demo.example",
        "Amina (midwife)",
        Role.PRACTITIONER,
        "hillside-district-hospital",
    ),
    (
        "qi.member@demo.example",
        "Joseph (QI team)",
        Role.QI_MEMBER,
        "hillside-district-hospital",
    ),
    (
        "facility.lead@demo.example",
        "Dr Grace Obi",
        Role.FACILITY_LEAD,
        "hillside-district-hospital",
    ),
    ("coach@demo.example", "Coach Samuel", Role.COACH, "northern-hills"),
    ("district.lead@demo.example", "Ruth Mensah", Role.DISTRICT_LEAD, "northern-hills"),
    ("national.team@demo.example", "National QoC team", Role.NATIONAL_TEAM, "lumeria"),
    ("editor@demo.example", "Library editor", Role.NATIONAL_EDITOR, "lumeria"),
    ("moderator@demo.example", "Safe-space steward", Role.MODERATOR, "lumeria"),
    (
        "safe.poster@demo.example",
        "Kofi Asante",
        Role.PRACTITIONER,
        "kato-health-centre",
    ),
    ("admin@demo.example", "Site administrator", None, None),
]
# A few more members so discussions have several voices.
PEERS = [
    (
        "nurse.lakeside@demo.example",
        "Esther (nurse)",
        Role.PRACTITIONER,
        "lakeside-regional-hospital",
    ),
    (
        "midwife.coastal@demo.example",
        "Fatou (midwife)",
        Role.QI_MEMBER,
        "port-amara-general-hospital",
    ),
    ("lead.lakeside@demo.example", "Dr Paul Dube", Role.DISTRICT_LEAD, "lakeside"),
    # Moving to another country: has asked to leave (``community.personal_data``), so
    # an operator sees an account in its grace period and `privacy_housekeeping`
    # has something to erase once it is over.
    (
        "moving.on@demo.example",
        "Beatrice (moving on)",
        Role.PRACTITIONER,
        "lakeside-regional-hospital",
    ),
]
LEAVING = "moving.on@demo.example"
# Joined with her phone number alone (no email address): signs in with it, gets her
# codes by SMS (printed where `make run` runs) and her digest on her phone.
PHONE_MEMBER = (
    "+250788000101",
    "Chantal (midwife)",
    Role.PRACTITIONER,
    "kato-health-centre",
)


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD


@functools.cache
def _hashed(password: str) -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(password)


def demo_password_hash() -> str:
    """The demo password, hashed once for every demo account: the production hasher
    takes about half a second per hash by design, which was 10 of the seed's seconds.
    (All demo accounts share one published password, so one salt hides nothing.)"""
    return _hashed(demo_password())


def _slug(name: str) -> str:
    from django.utils.text import slugify

    return slugify(name)


def _organisation(
    name, slug, level, parent=None, ownership="", timezone_name=""
) -> Organisation:
    existing = Organisation.objects.filter(slug=slug).first()
    if existing:
        if timezone_name and not existing.timezone:
            # Seeded before countries had a zone.
            services.organisation_set_timezone(
                organisation=existing, timezone_name=timezone_name
            )
        return existing
    return services.organisation_create(
        name=name,
        slug=slug,
        level=level,
        parent=parent,
        ownership=ownership,
        timezone_name=timezone_name,
    )


def _phone_user(number: str, display_name: str):
    existing = phones.holder(number)
    if existing:
        return existing
    user = get_user_model().objects.create(
        username=opaque_username(), password=demo_password_hash()
    )
    phones.put(user, number, verified=True)
    services.profile_update(user=user, display_name=display_name)
    services.profile_accept_code_of_conduct(user=user)
    return user


def _user(email: str, display_name: str, *, superuser: bool = False):
    from allauth.account.models import EmailAddress

    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        # Random, like every username here: it must not echo the email, nor a hash
        # of it that a list of addresses could be matched against (safe spaces).
        user = User(email=email, username=opaque_username())
        user.password = demo_password_hash()
        user.is_superuser = user.is_staff = superuser
        user.save()
        services.profile_update(
            user=user,
            display_name=display_name,
            timezone_name=OWN_ZONES.get(email, ""),
        )
        services.profile_accept_code_of_conduct(user=user)
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def seed(context: dict) -> None:
    country = _organisation(
        COUNTRY[0], COUNTRY[1], Level.COUNTRY, timezone_name=COUNTRY_ZONE
    )
    orgs = {country.slug: country}
    for slug, (name, facilities) in DISTRICTS.items():
        district = _organisation(name, slug, Level.DISTRICT, parent=country)
        orgs[slug] = district
        for facility_name, ownership in facilities:
            facility = _organisation(
                facility_name, _slug(facility_name), Level.FACILITY, district, ownership
            )
            orgs[facility.slug] = facility
    users = {}
    for email, name, role, org_slug in DEMO_USERS + PEERS:
        user = _user(email, name, superuser=role is None)
        if role is not None:
            services.membership_create(
                user=user, organisation=orgs[org_slug], role=role
            )
        users[email.split("@")[0]] = user
    # The centre has run for a season: the named demo members are past their first
    # days (``MODERATION["NEW_MEMBER_DAYS"]``), so the demo shows what members can do,
    # not the new-member limits. The phone member joined this week.
    get_user_model().objects.filter(pk__in=[u.pk for u in users.values()]).update(
        date_joined=timezone.now() - datetime.timedelta(days=60)
    )
    for user in users.values():
        user.refresh_from_db(fields=["date_joined"])
    number, name, role, org_slug = PHONE_MEMBER
    phone_user = _phone_user(number, name)
    services.membership_create(user=phone_user, organisation=orgs[org_slug], role=role)
    users["phone"] = phone_user
    Profile.objects.filter(user=phone_user).update(push_kinds=["reply", "digest"])
    leaving = users[LEAVING.split("@")[0]]
    Profile.objects.filter(user=leaving).update(
        deletion_due_at=timezone.now() + datetime.timedelta(days=10)
    )
    # The midwife on a phone with a small data bundle: photos wait for her tap.
    Profile.objects.filter(user=users["practitioner"]).update(
        save_data=True,
        # Replies, mentions and events on her phone, never during her nights off.
        push_kinds=["reply", "mention", "event_starting"],
        quiet_from=datetime.time(21, 0),
        quiet_until=datetime.time(6, 0),
    )
    context["departments"] = _departments(orgs, users)
    context["country"] = country
    context["organisations"] = orgs
    context["users"] = users
    context["accounts"] = [(email, role) for email, _n, role, _o in DEMO_USERS] + [
        (f"{phones.shown(number)} (phone)", role)
    ]


# Hillside's wards: the facility lead set them up; the midwife works on the labour
# ward, the QI team member in the newborn unit (the improvement demo spreads a change
# from one to the other).
DEPARTMENTS = {
    "hillside-district-hospital": [
        ("Labour ward", ["practitioner", "facility.lead"]),
        ("Newborn unit", ["qi.member"]),
    ]
}


def _departments(orgs: dict, users: dict) -> dict:
    from .models import Department

    made = {}
    for slug, wards in DEPARTMENTS.items():
        facility = orgs[slug]
        for name, people in wards:
            department = Department.objects.filter(facility=facility, name=name).first()
            if department is None:
                department = services.department_create(
                    facility=facility, by=users["facility.lead"], name=name
                )
            for key in people:
                services.department_join(department=department, user=users[key])
            made[name] = department
    return made
