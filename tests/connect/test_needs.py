"""Learning needs: posting, "we need this too" once per facility, triage, answers that
notify every supporter, and counts that never reveal who supports."""

import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from community.models import Role
from connect import services
from connect.models import NeedNotice, NeedState, NoticeKind
from tests.factories import member

pytestmark = pytest.mark.django_db


def test_need_is_rendered_through_the_text_pipeline_and_tagged(need, world):
    assert "<strong>audit</strong>" in need.description_html
    assert sorted(need.tags.names()) == ["audit", "neonatal resuscitation"]
    assert need.district == world.district
    assert need.support_count == 1


def test_member_may_raise_a_need_only_for_their_own_facility(practitioner, world):
    with pytest.raises(PermissionDenied):
        services.need_create(
            author=practitioner,
            title="Not ours",
            description="x",
            organisation=world.other_facility,
        )


def test_member_may_raise_a_need_for_their_district_from_a_district_role(coach, world):
    need = services.need_create(
        author=coach, title="Coaching", description="x", organisation=world.district
    )
    assert need.organisation == world.district
    assert need.district == world.district


def test_visitor_cannot_see_needs(client, need):
    response = client.get(reverse("connect:need", args=[need.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_support_counts_once_per_facility(need, colleague, sibling_member, far_member):
    services.need_support(need=need, user=colleague)  # same facility as the raiser
    need.refresh_from_db()
    assert need.support_count == 1
    services.need_support(need=need, user=sibling_member)
    services.need_support(need=need, user=far_member)
    services.need_support(need=need, user=far_member)  # twice: still once
    need.refresh_from_db()
    assert need.support_count == 3


def test_member_without_a_facility_supports_as_themselves(need, coach, outsider):
    services.need_support(need=need, user=coach)
    services.need_support(need=need, user=outsider)
    need.refresh_from_db()
    assert need.support_count == 3


def test_withdrawing_support_recounts(need, sibling_member):
    services.need_support(need=need, user=sibling_member)
    assert services.need_withdraw_support(need=need, user=sibling_member) == 1


def test_closed_need_takes_no_support(need, national_team, sibling_member):
    services.need_set_state(need=need, by=national_team, state=NeedState.DECLINED)
    with pytest.raises(PermissionDenied):
        services.need_support(need=need, user=sibling_member)


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("practitioner", False),
        ("qi_member", False),
        ("facility_lead", False),
        ("coach", False),
        ("district_lead", False),
        ("moderator", False),
        ("outsider", False),
        ("national_team", True),
        ("editor", True),
    ],
)
def test_only_the_national_team_and_editors_triage_and_answer(
    role, allowed, as_role, need, client
):
    user = as_role(role)
    client.force_login(user)
    response = client.post(
        reverse("connect:need_triage", args=[need.pk]), {"state": "planned"}
    )
    need.refresh_from_db()
    assert (need.state == NeedState.PLANNED) is allowed
    assert response.status_code == (302 if allowed else 403)
    page = client.get(reverse("connect:need_answer", args=[need.pk]))
    assert page.status_code == (200 if allowed else 403)
    triage = client.get(reverse("connect:triage"))
    assert triage.status_code == (200 if allowed else 403)
    if not allowed:
        with pytest.raises(PermissionDenied):
            services.need_answer(
                need=need, by=user, kind="other", url="/connect/", title="x"
            )


def test_lifecycle_new_planned_answered_notifies_every_supporter(
    need,
    national_team,
    colleague,
    sibling_member,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    services.need_support(need=need, user=colleague)
    services.need_support(need=need, user=sibling_member)
    with django_capture_on_commit_callbacks(execute=True):
        services.need_set_state(
            need=need, by=national_team, state=NeedState.PLANNED, note="Soon."
        )
    assert NeedNotice.objects.filter(kind=NoticeKind.PLANNED).count() == 3
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        answer = services.need_answer(
            need=need,
            by=national_team,
            kind="thread",
            url="/connect/needs/",
            title="Our audit webinar",
        )
    need.refresh_from_db()
    assert need.state == NeedState.ANSWERED
    notices = NeedNotice.objects.filter(kind=NoticeKind.ANSWERED, answer=answer)
    assert notices.count() == 3
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        ["practitioner@example.org", "colleague@example.org", "sib@example.org"]
    )
    message = mailoutbox[0]
    assert "Our audit webinar" in message.body
    assert "/connect/needs/" in message.body
    # The email names the need, never who else supports it.
    for other in (
        "colleague@example.org",
        "sib@example.org",
        "practitioner@example.org",
    ):
        assert other not in message.body
    assert notices.filter(emailed_at=None).count() == 0


def test_email_goes_out_in_the_recipients_language(
    need, national_team, mailoutbox, django_capture_on_commit_callbacks, practitioner
):
    from community import services as community_services

    community_services.profile_update(
        user=practitioner, display_name="Amina", language="fr"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.need_answer(
            need=need, by=national_team, kind="other", url="/connect/", title="Réponse"
        )
    html = mailoutbox[0].alternatives[0][0]
    assert 'lang="fr"' in html


def test_answer_link_must_be_on_this_site(need, national_team):
    for bad in (
        "https://evil.example/phish",
        "javascript:alert(1)",
        "//evil.example/x",
        "/no/such/page/",
    ):
        with pytest.raises(ValidationError):
            services.need_answer(
                need=need, by=national_team, kind="other", url=bad, title="x"
            )
    answer = services.need_answer(
        need=need,
        by=national_team,
        kind="other",
        url="http://127.0.0.1:8000/connect/needs/",
        title="ok",
    )
    assert answer.url == "/connect/needs/"


def test_answer_with_an_object_records_it(need, national_team, world):
    """An answer can name an object we hold (an event, a thread, a page)."""
    from wagtail.models import Page, Site

    home = Site.objects.get(is_default_site=True).root_page
    answer = services.need_answer(
        need=need, by=national_team, kind="resource", target=home
    )
    assert answer.object_id == home.pk
    assert isinstance(answer.target, Page)
    assert answer.title == home.title


def test_declined_need_can_be_reopened_but_not_answered(need, national_team):
    services.need_set_state(need=need, by=national_team, state=NeedState.DECLINED)
    with pytest.raises(ValidationError):
        services.need_answer(
            need=need, by=national_team, kind="other", url="/connect/", title="x"
        )
    services.need_set_state(need=need, by=national_team, state=NeedState.NEW)
    assert need.state == NeedState.NEW


def test_duplicate_needs_a_target(need, national_team, practitioner):
    other = services.need_create(author=practitioner, title="Same", description="x")
    with pytest.raises(ValidationError):
        services.need_set_state(need=other, by=national_team, state="duplicate")
    services.need_set_state(
        need=other, by=national_team, state="duplicate", duplicate_of=need
    )
    assert other.duplicate_of == need


# --- Anonymity of supporters --------------------------------------------------------


def _supporters(world, need):
    names = []
    for i, facility in enumerate([world.sibling_facility, world.other_facility]):
        user = member(Role.PRACTITIONER, facility, email=f"supporter{i}@example.org")
        from community import services as community_services

        community_services.profile_update(
            user=user, display_name=f"Secret Supporter {i}"
        )
        services.need_support(need=need, user=user)
        names.append(f"Secret Supporter {i}")
    return names


def test_pages_show_counts_never_supporters(
    client, need, world, national_team, practitioner
):
    from community import services as community_services

    community_services.profile_update(user=practitioner, display_name="Raiser Name")
    names = _supporters(world, need) + ["Raiser Name"]
    for viewer in (practitioner, national_team):
        client.force_login(viewer)
        for url in (
            reverse("connect:need", args=[need.pk]),
            reverse("connect:needs"),
            reverse("connect:triage") if viewer == national_team else "/",
            reverse("search") + "?q=resuscitation",
        ):
            html = client.get(url).content.decode()
            for name in names:
                assert name not in html, (url, name)
            for email in ("supporter0@example.org", "supporter1@example.org"):
                assert email not in html
    client.force_login(practitioner)
    html = client.get(reverse("connect:need", args=[need.pk])).content.decode()
    assert "3 facilities need this" in html


def test_tag_page_json_and_feed_show_no_supporters(client, need, world, practitioner):
    """Nothing connect answers in JSON carries a name either (the API has no needs)."""
    names = _supporters(world, need)
    client.force_login(practitioner)
    response = client.get("/api/v2/pages/?format=json")
    body = json.dumps(response.json()) if response.status_code == 200 else ""
    for name in names:
        assert name not in body


def test_notices_page_lists_own_notices(
    client, need, national_team, practitioner, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.need_answer(
            need=need, by=national_team, kind="other", url="/connect/", title="Done"
        )
    client.force_login(practitioner)
    html = client.get(reverse("connect:notices")).content.decode()
    assert need.title in html
    notice = NeedNotice.objects.get(user=practitioner)
    response = client.get(reverse("connect:notice_open", args=[notice.pk]))
    assert response["Location"] == need.get_absolute_url()
    notice.refresh_from_db()
    assert notice.read_at is not None


# --- Pages --------------------------------------------------------------------------


def test_post_a_need_through_the_form_keeps_input_on_error(client, practitioner, world):
    client.force_login(practitioner)
    response = client.post(
        reverse("connect:need_create"),
        {
            "title": "",
            "description": "Keep this text",
            "organisation": world.facility.pk,
        },
    )
    assert response.status_code == 200
    assert "Keep this text" in response.content.decode()
    response = client.post(
        reverse("connect:need_create"),
        {
            "title": "Partograph use",
            "description": "Help",
            "organisation": world.facility.pk,
            "tags": "partograph, labour monitoring",
        },
    )
    assert response.status_code == 302


def test_form_refuses_an_organisation_the_member_is_not_in(client, practitioner, world):
    client.force_login(practitioner)
    response = client.post(
        reverse("connect:need_create"),
        {"title": "x", "description": "y", "organisation": world.other_facility.pk},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_list_filters_by_tag_district_and_state(client, need, practitioner, far_member):
    other = services.need_create(
        author=far_member, title="Hand hygiene", description="x", tags=["hygiene"]
    )
    client.force_login(practitioner)
    url = reverse("connect:needs")
    html = client.get(url, {"tag": "hygiene"}).content.decode()
    assert other.title in html and need.title not in html
    html = client.get(url, {"district": "north"}).content.decode()
    assert need.title in html and other.title not in html
    html = client.get(url, {"state": "answered"}).content.decode()
    assert need.title not in html
    html = client.get(url, {"q": "hygiene"}).content.decode()
    assert other.title in html and need.title not in html


def test_support_button_and_withdraw_through_the_page(client, need, sibling_member):
    client.force_login(sibling_member)
    client.post(reverse("connect:need_support", args=[need.pk]))
    need.refresh_from_db()
    assert need.support_count == 2
    client.post(reverse("connect:need_support", args=[need.pk]), {"withdraw": "1"})
    need.refresh_from_db()
    assert need.support_count == 1


def test_triage_page_ranks_by_support_and_draws_a_heat_map(
    client, need, national_team, far_member, world
):
    small = services.need_create(
        author=far_member, title="Rarely needed", description="x", tags=["audit"]
    )
    _supporters(world, need)
    client.force_login(national_team)
    html = client.get(reverse("connect:triage")).content.decode()
    assert html.index(need.title) < html.index(small.title)
    assert "<svg" in html and "<table" in html
    assert "North" in html and "audit" in html


def test_home_section_and_search_group_for_members(client, need, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("search"), {"q": "resuscitation"}).content.decode()
    assert need.title in html
    client.logout()
    html = client.get(reverse("search"), {"q": "resuscitation"}).content.decode()
    assert need.title not in html


def _count_queries(client, url, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_needs_list_queries_do_not_grow_with_page_size(
    client, practitioner, world, django_assert_max_num_queries
):
    for i in range(3):
        services.need_create(
            author=practitioner, title=f"Need {i}", description="x", tags=["a", "b"]
        )
    client.force_login(practitioner)
    url = reverse("connect:needs")
    _count_queries(client, url, django_assert_max_num_queries)  # warm the session
    few = _count_queries(client, url, django_assert_max_num_queries)
    for i in range(15):
        services.need_create(
            author=practitioner,
            title=f"More {i}",
            description="x",
            organisation=world.facility,
            tags=["c", f"t{i}"],
        )
    many = _count_queries(client, url, django_assert_max_num_queries)
    assert many == few


def test_answer_link_to_a_detail_page_finds_its_object(need, national_team, world):
    """A URL such as a thread's or an event's is traced to its object, generically."""
    from forums import services as forum_services

    space = forum_services.space_create(name="Newborn", slug="newborn")
    thread = forum_services.thread_create(
        space=space, author=national_team, title="Resuscitation audits", body="x"
    )
    answer = services.need_answer(
        need=need, by=national_team, kind="thread", url=thread.get_absolute_url()
    )
    assert answer.target == thread
    assert answer.title == "Resuscitation audits"


def test_an_answer_made_of_a_private_thread_is_not_named_to_outsiders(
    client, need, national_team, world, colleague, mailoutbox
):
    """Its title can say more than its author meant: only readers of the thread see
    it, on the need's page, in their notices and in the email."""
    from django.test import TestCase

    from community.models import Role as Roles
    from forums import services as forum_services
    from forums.models import Space, Visibility

    team = Space.objects.create(
        name="Hillside QI team",
        slug="hillside-qi",
        visibility=Visibility.ORGANISATION,
        organisation=world.other_facility,
    )
    insider = member(Roles.PRACTITIONER, world.other_facility)
    thread = forum_services.thread_create(
        space=team,
        author=insider,
        title="Why our PPH deaths went up in March",
        body="Between us.",
    )
    services.need_support(need=need, user=colleague)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.need_answer(need=need, by=national_team, kind="thread", target=thread)
    client.force_login(colleague)
    for path in (need.get_absolute_url(), reverse("connect:notices")):
        assert "PPH deaths" not in client.get(path).text, path
    assert all("PPH deaths" not in m.body for m in mailoutbox)
    client.force_login(insider)
    assert "PPH deaths" in client.get(need.get_absolute_url()).text
