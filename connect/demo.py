"""Demo data for connecting people: learning needs in every state with supporters from
several facilities, a directory of listed members, partner and global feeds read from
local fixture files (never the internet), and French translations of the home page and
three library resources. Idempotent: a second run changes nothing.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone

from community import services as community_services
from community.models import Role

from . import services
from .aggregator import feed_fetch
from .models import (
    AnswerKind,
    ExternalFeed,
    FeedKind,
    GlobalDevelopmentsPage,
    LearningNeed,
    NeedNotice,
    NeedState,
    PartnerCountriesPage,
)

FIXTURES = Path(__file__).resolve().parent / "fixtures"

# More members, so the directory and the needs have several facilities behind them.
MEMBERS = [
    ("midwife.kato@demo.example", "Agnes (midwife)", "kato-health-centre"),
    ("nurse.marina@demo.example", "Hassan (nurse)", "marina-health-centre"),
    ("doctor.bayview@demo.example", "Dr Lina Moyo", "bayview-maternity-home"),
    ("midwife.dunes@demo.example", "Rose (midwife)", "dunes-health-centre"),
]

# email prefix -> (expertise, show facility, show district, show bio)
LISTED = {
    "practitioner": (
        ["neonatal resuscitation", "kangaroo mother care"],
        True,
        True,
        True,
    ),
    "qi.member": (["run charts", "audit", "postpartum haemorrhage"], True, True, False),
    "facility.lead": (["respectful maternity care", "audit"], True, True, True),
    "coach": (["coaching", "collaboratives"], False, True, True),
    "district.lead": (["collaboratives", "data use"], False, True, False),
    "national.team": (
        ["quality improvement", "learning health systems"],
        False,
        False,
        True,
    ),
    "editor": (["guidelines", "case studies"], False, False, False),
    "nurse.lakeside": (["infection prevention", "hand hygiene"], True, True, False),
    "midwife.coastal": (["partograph", "labour monitoring"], True, True, True),
    "lead.lakeside": (["data use", "supportive supervision"], False, True, False),
    "midwife.kato": (["kangaroo mother care", "breastfeeding"], True, True, False),
    "nurse.marina": (["neonatal resuscitation", "hypothermia"], True, True, False),
    "doctor.bayview": (["pre-eclampsia", "postpartum haemorrhage"], True, True, True),
    "midwife.dunes": (["partograph", "respectful maternity care"], True, False, False),
}
BIOS = {
    "practitioner": "Midwife on the labour ward; I run our monthly resuscitation drills.",
    "facility.lead": "Medical officer in charge; our team cut PPH deaths by half in 2025.",
    "coach": "I coach four facilities in Northern Hills through the collaborative.",
    "national.team": "The national quality of care team: ask us about the learning centre.",
    "midwife.coastal": "We brought partograph use from 40% to 90% of labours.",
    "doctor.bayview": "Obstetrician; happy to share our pre-eclampsia protocol.",
}

# title, description, raiser, raised for (slug or None), tags, supporters, state
NEEDS = [
    (
        "Auditing neonatal resuscitation",
        "We resuscitate several babies a month but never look back at what went well "
        "or what delayed us. How do other facilities run a short, blame-free audit of "
        "each resuscitation?",
        "practitioner",
        "hillside-district-hospital",
        ["neonatal resuscitation", "audit"],
        ["nurse.lakeside", "midwife.coastal", "nurse.marina", "midwife.kato"],
        NeedState.PLANNED,
    ),
    (
        "Keeping small babies warm at night",
        "Our night shift has one midwife for the whole ward. Kangaroo mother care "
        "stops at night and babies get cold. What has worked elsewhere?",
        "midwife.kato",
        "kato-health-centre",
        ["kangaroo mother care", "hypothermia"],
        ["practitioner", "doctor.bayview", "midwife.dunes"],
        NeedState.NEW,
    ),
    (
        "Using the partograph on every labour",
        "The partograph is filled in after birth, if at all. We need practical ideas "
        "to make it part of monitoring, not paperwork.",
        "midwife.dunes",
        "dunes-health-centre",
        ["partograph", "labour monitoring"],
        ["qi.member", "nurse.marina"],
        NeedState.ANSWERED,
    ),
    (
        "Postpartum haemorrhage drills that staff actually attend",
        "Drills are planned but cancelled when the ward is busy. How do teams keep "
        "them short and regular?",
        "nurse.marina",
        "marina-health-centre",
        ["postpartum haemorrhage", "emergency drills"],
        ["facility.lead", "midwife.coastal"],
        NeedState.NEW,
    ),
    (
        "Money for new incubators",
        "We have two broken incubators and no budget to replace them.",
        "doctor.bayview",
        "bayview-maternity-home",
        ["equipment"],
        [],
        NeedState.DECLINED,
    ),
    (
        "Reviewing baby resuscitations after the event",
        "Is there a simple form for looking back at each resuscitation?",
        "nurse.lakeside",
        "lakeside-regional-hospital",
        ["neonatal resuscitation"],
        [],
        NeedState.DUPLICATE,
    ),
]

FEEDS = [
    (
        "Aurelia National Learning Centre",
        "partner-aurelia.xml",
        FeedKind.PARTNER,
        "Aurelia",
        "https://learning.aurelia.example/",
    ),
    (
        "Centre d'apprentissage de Borealis",
        "partner-borealis.xml",
        FeedKind.PARTNER,
        "Borealis",
        "https://qualite.borealis.example/",
    ),
    (
        "Quality of care network (demo)",
        "global-developments.xml",
        FeedKind.GLOBAL,
        "",
        "https://qoc-network.example/",
    ),
]

HOME_FR = {
    "title": "Centre national d'apprentissage pour la qualité des soins",
    "tagline": "Apprendre ensemble pour que chaque naissance soit plus sûre",
    "intro": "<p>Infirmières, sages-femmes, médecins, équipes de district et équipe "
    "nationale apprennent ici les uns des autres : ce que nous avons essayé pour "
    "améliorer les soins aux mères et aux nouveau-nés, ce qui a marché et ce qui n'a "
    "pas marché.</p>",
}
RESOURCES_FR = {
    "postpartum-haemorrhage-bundle-checklist": (
        "Liste de contrôle du paquet hémorragie du post-partum",
        "Une page à cocher au lit de la patiente : chaque geste du paquet, dans "
        "l'ordre, pour ne rien oublier lors d'une hémorragie.",
    ),
    "kangaroo-mother-care-starting-it-on-the-first-day": (
        "Méthode mère kangourou : commencer dès le premier jour",
        "Comment commencer le contact peau à peau dès la naissance pour les bébés de "
        "faible poids, et le poursuivre la nuit.",
    ),
    "helping-babies-breathe-the-golden-minute": (
        "Aider les bébés à respirer : la minute d'or",
        "Les gestes de la première minute pour un nouveau-né qui ne respire pas, "
        "avec une affiche pour la salle d'accouchement.",
    ),
}


def _member(email: str, name: str, organisation):
    from allauth.account.models import EmailAddress

    from community.adapters import opaque_username
    from community.demo import demo_password_hash

    User = get_user_model()
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User(email=email, username=opaque_username())
        user.password = demo_password_hash()
        user.save()
        community_services.profile_update(user=user, display_name=name)
        community_services.profile_accept_code_of_conduct(user=user)
        community_services.membership_create(
            user=user, organisation=organisation, role=Role.PRACTITIONER
        )
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _directory(users: dict) -> None:
    for key, (expertise, facility, district, bio) in LISTED.items():
        user = users.get(key)
        if user is None:
            continue
        profile = community_services.profile_ensure(user=user)
        if profile.listed_in_directory:
            continue
        community_services.profile_update(
            user=user,
            display_name=profile.display_name,
            languages=profile.languages or "English, French",
            timezone_name=profile.timezone,
            bio=BIOS.get(key, profile.bio),
            expertise=expertise,
            language=profile.language or None,
        )
        community_services.profile_set_directory(
            user=user,
            listed=True,
            show_facility=facility,
            show_district=district,
            show_bio=bio,
            show_expertise=True,
        )


def _needs(users: dict, orgs: dict, answer_page) -> None:
    national = users.get("national.team")
    created: dict[str, LearningNeed] = {}
    for title, description, raiser, org_slug, tags, supporters, state in NEEDS:
        need = LearningNeed.objects.filter(title=title).first()
        if need is not None:
            created[title] = need
            continue
        if raiser not in users or national is None:
            continue
        need = services.need_create(
            author=users[raiser],
            title=title,
            description=description,
            organisation=orgs.get(org_slug) if org_slug else None,
            tags=tags,
        )
        created[title] = need
        for key in supporters:
            if key in users:
                services.need_support(need=need, user=users[key])
        if state == NeedState.PLANNED:
            services.need_set_state(
                need=need,
                by=national,
                state=state,
                note="A webinar with two facilities that audit every resuscitation "
                "is being prepared.",
            )
        elif state == NeedState.DECLINED:
            services.need_set_state(
                need=need,
                by=national,
                state=state,
                note="Equipment budgets are outside the learning centre; the district "
                "lead can raise it with the district health office.",
            )
        elif state == NeedState.DUPLICATE:
            services.need_set_state(
                need=need,
                by=national,
                state=state,
                duplicate_of=created.get(NEEDS[0][0]),
            )
        elif state == NeedState.ANSWERED and answer_page is not None:
            services.need_answer(
                need=need,
                by=national,
                kind=AnswerKind.RESOURCE,
                target=answer_page,
                note="Start with the labour monitoring tools in the library.",
            )
    _answer_with_a_webinar(users, national)
    # The demo's notices stay in the app: no email storm when seeding.
    NeedNotice.objects.filter(emailed_at=None).update(emailed_at=timezone.now())


WEBINAR_NEED = (
    "Sharing facility data at district meetings",
    "Our monthly district meeting reads out numbers but nobody changes anything. How "
    "do other districts turn the data into decisions?",
    "coach",
    "northern-hills",
    ["data use", "collaboratives"],
    ["lead.lakeside", "qi.member", "midwife.coastal"],
)


def _answer_with_a_webinar(users: dict, national) -> None:
    """Where the events app is installed: a need answered with one of its webinars."""
    from django.apps import apps

    title, description, raiser, org_slug, tags, supporters = WEBINAR_NEED
    if (
        national is None
        or raiser not in users
        or not apps.is_installed("events")
        or LearningNeed.objects.filter(title=title).exists()
    ):
        return
    event_model = apps.get_model("events", "Event")
    webinar = event_model.objects.filter(kind="webinar").order_by("starts_at").first()
    if webinar is None:
        return
    from community.models import Organisation

    need = services.need_create(
        author=users[raiser],
        title=title,
        description=description,
        organisation=Organisation.objects.filter(slug=org_slug).first(),
        tags=tags,
    )
    for key in supporters:
        if key in users:
            services.need_support(need=need, user=users[key])
    services.need_answer(
        need=need,
        by=national,
        kind=AnswerKind.WEBINAR,
        target=webinar,
        note="Register for the webinar; the recording will be in the library.",
    )


def _feeds(home) -> None:
    for name, filename, kind, country, website in FEEDS:
        feed, created = ExternalFeed.objects.get_or_create(
            name=name,
            defaults={
                "url": (FIXTURES / filename).as_uri(),
                "kind": kind,
                "country": country,
                "website": website,
            },
        )
        if created:
            feed_fetch(feed=feed)
    if home is None:
        return
    if not GlobalDevelopmentsPage.objects.exists():
        page = GlobalDevelopmentsPage(
            title="Global developments",
            slug="global-developments",
            intro="<p>News on quality of care from networks and agencies around the "
            "world, chosen by the national team.</p>",
        )
        home.add_child(instance=page)
        page.save_revision().publish()
    if not PartnerCountriesPage.objects.exists():
        page = PartnerCountriesPage(
            title="Partner countries",
            slug="partner-countries",
            intro="<p>Learning centres for quality of care in other countries, and "
            "what they publish.</p>",
        )
        home.add_child(instance=page)
        page.save_revision().publish()


def _translations(home) -> None:
    """French home page and three French library resources (Wagtail i18n)."""
    from wagtail.models import Locale

    if home is None:
        return
    french, _created = Locale.objects.get_or_create(language_code="fr")
    home_fr = home.get_translation_or_none(french)
    if home_fr is None:
        home_fr = home.copy_for_translation(french)
        for field, value in HOME_FR.items():
            setattr(home_fr, field, value)
        home_fr.save_revision().publish()
    try:
        from library.models import ResourcePage
    except ImportError:
        return
    for slug, (title, summary) in RESOURCES_FR.items():
        page = ResourcePage.objects.filter(
            slug=slug, locale__language_code="en"
        ).first()
        if page is None or page.get_translation_or_none(french) is not None:
            continue
        translated = page.copy_for_translation(french, copy_parents=True)
        translated.title = title
        translated.summary = summary
        translated.save_revision().publish()


def seed(context: dict) -> None:
    users = dict(context.get("users", {}))
    orgs = context.get("organisations", {})
    for email, name, org_slug in MEMBERS:
        if org_slug in orgs:
            users[email.split("@")[0]] = _member(email, name, orgs[org_slug])
    context["users"] = users
    _directory(users)
    answer_page = None
    try:
        from library.models import ResourcePage

        answer_page = (
            ResourcePage.objects.filter(
                tagged_items__tag__name__iexact="labour monitoring"
            ).first()
            or ResourcePage.objects.live().first()
        )
    except ImportError:
        pass
    _needs(users, orgs, answer_page)
    from .surveys.demo import seed as survey_seed

    survey_seed(context)
    NeedNotice.objects.filter(emailed_at=None).update(emailed_at=timezone.now())
    home = context.get("home_page")
    _feeds(home)
    _translations(home)
