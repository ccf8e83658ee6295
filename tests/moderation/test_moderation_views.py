"""The moderation pages: flag form, queue, decisions, audit log, notices."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache
from django.test import override_settings

from community import services as community_services
from community.models import Profile, Role
from moderation.models import Case, CaseStatus, Decision, Flag
from tests.factories import member


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def profile(world):
    user = member(Role.PRACTITIONER, world.facility, email="author@example.org")
    community_services.profile_update(
        user=user, display_name="Nurse Author", bio="Bio text here"
    )
    return Profile.objects.get(user=user)


def flag_path(obj):
    ct = ContentType.objects.get_for_model(obj)
    return f"/moderation/flag/{ct.pk}/{obj.pk}/"


def test_member_flags_a_profile(client, practitioner, profile):
    client.force_login(practitioner)
    page = client.get(flag_path(profile))
    assert page.status_code == 200
    assert "Bio text here" in page.content.decode()
    response = client.post(
        flag_path(profile), {"reason": "spam", "text": "selling things", "next": "/"}
    )
    assert response.status_code == 302
    flag = Flag.objects.get()
    assert flag.flagger == practitioner and flag.text == "selling things"


def test_other_reason_needs_words_and_keeps_them(client, practitioner, profile):
    client.force_login(practitioner)
    response = client.post(flag_path(profile), {"reason": "other", "text": ""})
    assert response.status_code == 400
    assert "Tell the moderators what is wrong." in response.content.decode()
    assert not Flag.objects.exists()


@override_settings(MODERATION={"RATE_LIMITS": {"flag": "1/3600"}})
def test_rate_limited_flag_comes_back_with_its_text(
    client, practitioner, profile, world
):
    other = community_services.profile_ensure(
        user=member(Role.PRACTITIONER, world.facility)
    )
    client.force_login(practitioner)
    client.post(flag_path(profile), {"reason": "spam", "text": "first"})
    response = client.post(
        flag_path(other), {"reason": "other", "text": "my careful words"}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please wait" in html and "my careful words" in html


def test_visitor_is_sent_to_login(client, profile):
    response = client.get(flag_path(profile))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "role,status",
    [
        ("moderator", 200),
        ("district_lead", 200),
        ("coach", 200),
        ("practitioner", 403),
        ("facility_lead", 403),
        ("national_team", 403),
        ("editor", 403),
        ("outsider", 403),
    ],
)
def test_queue_access(client, as_role, role, status):
    client.force_login(as_role(role))
    assert client.get("/moderation/").status_code == status
    # The site's navigation offers the queue to exactly those who may open it.
    page = client.get("/forums/").content.decode()
    assert ('href="/moderation/"' in page) is (status == 200)


def test_visitors_are_not_offered_the_queue(client, db):
    assert 'href="/moderation/"' not in client.get("/forums/").content.decode()


@pytest.mark.parametrize(
    "role,status",
    [
        ("moderator", 200),
        ("national_team", 200),
        ("district_lead", 403),
        ("coach", 403),
        ("practitioner", 403),
        ("editor", 403),
    ],
)
def test_audit_log_access(client, as_role, role, status):
    client.force_login(as_role(role))
    assert client.get("/moderation/audit/").status_code == status


@pytest.mark.parametrize(
    "role,offered", [("moderator", True), ("district_lead", False), ("coach", False)]
)
def test_the_queue_links_the_audit_log_only_to_those_who_may_open_it(
    client, as_role, role, offered
):
    client.force_login(as_role(role))
    page = client.get("/moderation/").content.decode()
    assert ('href="/moderation/audit/"' in page) is offered


def test_moderator_hides_from_the_queue(client, moderator, profile, world):
    for _ in range(1):
        flagger = member(Role.PRACTITIONER, world.other_facility)
        client.force_login(flagger)
        client.post(flag_path(profile), {"reason": "harassment"})
    case = Case.objects.get()
    client.force_login(moderator)
    queue = client.get("/moderation/").content.decode()
    assert "Bio text here" in queue
    assert "author@example.org" not in queue
    prefix = f"case{case.pk}"
    response = client.post(
        f"/moderation/cases/{case.pk}/decide/",
        {f"{prefix}-action": "hide", f"{prefix}-reason": "Insulting a colleague"},
    )
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.hidden
    case.refresh_from_db()
    assert case.status == CaseStatus.RESOLVED
    log = client.get("/moderation/audit/").content.decode()
    assert "Insulting a colleague" in log
    assert Decision.objects.get().moderator == moderator


def test_decision_without_reason_keeps_the_queue_and_typed_text(
    client, moderator, profile, world
):
    flagger = member(Role.PRACTITIONER, world.other_facility)
    client.force_login(flagger)
    client.post(flag_path(profile), {"reason": "spam"})
    case = Case.objects.get()
    client.force_login(moderator)
    prefix = f"case{case.pk}"
    response = client.post(
        f"/moderation/cases/{case.pk}/decide/",
        {f"{prefix}-action": "edit", f"{prefix}-reason": "Tidy", f"{prefix}-body": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "An edit needs the new text." in html
    assert "Tidy" in html
    assert not Decision.objects.exists()


def test_district_lead_cannot_decide_on_a_profile(
    client, district_lead, profile, world
):
    flagger = member(Role.PRACTITIONER, world.other_facility)
    client.force_login(flagger)
    client.post(flag_path(profile), {"reason": "spam"})
    case = Case.objects.get()
    client.force_login(district_lead)
    assert "Bio text here" not in client.get("/moderation/").content.decode()
    prefix = f"case{case.pk}"
    response = client.post(
        f"/moderation/cases/{case.pk}/decide/",
        {f"{prefix}-action": "hide", f"{prefix}-reason": "x"},
    )
    assert response.status_code == 403
    assert not Decision.objects.exists()


def test_author_reads_their_notices(client, moderator, profile):
    from moderation import services

    services.decision_make(
        content=profile, moderator=moderator, action="warn", reason="Be kind"
    )
    client.force_login(profile.user)
    html = client.get("/moderation/notices/").content.decode()
    assert "Be kind" in html
