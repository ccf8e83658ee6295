"""One tag vocabulary: the tag page lists library items, discussions and events
together (each app's own visibility rules apply); editors rename and merge tags."""

import pytest
from django.urls import reverse
from taggit.models import Tag
from wagtail import hooks

from library import services
from library.contrib import TAGGED_ITEMS_HOOK, Item, ItemGroup

from .conftest import make_resource

forums = pytest.importorskip("forums.services")


@pytest.fixture
def threads(world, practitioner, coach, django_capture_on_commit_callbacks):
    from forums.models import Visibility

    public = forums.space_create(
        name="Maternity", slug="maternity", visibility=Visibility.PUBLIC
    )
    private = forums.space_create(
        name="Coaches", slug="coaches", visibility=Visibility.PRIVATE, creator=coach
    )
    with django_capture_on_commit_callbacks(execute=False):
        return {
            "public": forums.thread_create(
                space=public,
                author=practitioner,
                title="Who gives tranexamic acid at night?",
                body="Asking for our night team.",
                tags=["postpartum haemorrhage"],
            ),
            "private": forums.thread_create(
                space=private,
                author=coach,
                title="Coaching notes on PPH drills",
                body="Only for coaches.",
                tags=["postpartum haemorrhage"],
            ),
        }


def test_tag_page_lists_resources_and_visible_discussions_together(
    client, library, threads
):
    make_resource(library.index, "PPH bundle", tags=("postpartum haemorrhage",))
    make_resource(library.index, "Hand hygiene tool", tags=("hand hygiene",))
    html = client.get("/library/tags/postpartum-haemorrhage/").content.decode()
    assert "PPH bundle" in html and "Hand hygiene tool" not in html
    discussions = html[html.index('id="group-discussions"') :]
    assert "Who gives tranexamic acid at night?" in discussions
    assert threads["public"].get_absolute_url() in discussions
    assert "Coaching notes on PPH drills" not in html


def test_a_member_of_a_private_space_sees_its_threads_on_the_tag_page(
    client, library, threads, coach
):
    client.force_login(coach)
    html = client.get("/library/tags/postpartum-haemorrhage/").content.decode()
    assert "Coaching notes on PPH drills" in html


def test_resource_page_shows_related_discussions_by_shared_tag(
    client, library, threads
):
    page = make_resource(library.index, "PPH bundle", tags=("postpartum haemorrhage",))
    other = make_resource(
        library.index, "PPH trolley", tags=("postpartum haemorrhage",)
    )
    html = client.get(page.url).content.decode()
    related = html[html.index('id="discussions-title"') :]
    assert "Who gives tranexamic acid at night?" in related
    assert "Coaching notes" not in related
    assert other.title in html[html.index('id="related-title"') :]


def test_other_apps_contribute_to_the_tag_page_through_a_hook(client, library):
    make_resource(library.index, "Triage card", tags=("triage",))

    def events(user, tag, limit):
        return ItemGroup(
            key="events",
            title="Events",
            items=[
                Item(
                    title=f"Webinar on {tag.name}", url="/events/7/", meta="3 Jul 2025"
                )
            ],
            order=300,
        )

    with hooks.register_temporarily(TAGGED_ITEMS_HOOK, events):
        html = client.get("/library/tags/triage/").content.decode()
    assert '<h2 id="group-events">Events</h2>' in html
    assert "Webinar on triage" in html


def test_tag_page_works_when_the_other_apps_are_absent(client, library, settings):
    settings.LIBRARY = {
        "TAGGED_MODELS": {
            "discussions": {"model": "absent.Thread", "title": "Discussions"}
        }
    }
    page = make_resource(library.index, "Triage card", tags=("triage",))
    assert client.get("/library/tags/triage/").status_code == 200
    assert "Related discussions" not in client.get(page.url).content.decode()


def test_unknown_tag_is_404(client, library):
    assert client.get("/library/tags/nothing-here/").status_code == 404


def test_merge_moves_every_use_across_apps_and_drops_duplicates(
    library, threads, editor, practitioner
):
    both = make_resource(
        library.index, "Both tags", tags=("pph", "postpartum haemorrhage")
    )
    only_old = make_resource(library.index, "Old tag only", tags=("pph",))
    threads["public"].tags.add("pph")
    from community.services import profile_ensure

    profile_ensure(user=practitioner).expertise.add("pph")
    old, keep = (
        Tag.objects.get(name="pph"),
        Tag.objects.get(name="postpartum haemorrhage"),
    )
    services.tag_merge(sources=[old], into=keep, by=editor)
    assert not Tag.objects.filter(pk=old.pk).exists()
    assert [t.name for t in both.tags.all()] == ["postpartum haemorrhage"]
    assert [t.name for t in only_old.tags.all()] == ["postpartum haemorrhage"]
    assert [t.name for t in threads["public"].tags.all()] == ["postpartum haemorrhage"]
    profile = profile_ensure(user=practitioner)
    assert [t.name for t in profile.expertise.all()] == ["postpartum haemorrhage"]


def test_merge_rewrites_drafts_so_they_still_publish(library, editor):
    page = make_resource(library.index, "Old tag only", tags=("pph",))
    page.title = "Draft with old tag"
    page.save_revision()
    old, keep = Tag.objects.get(name="pph"), Tag.objects.create(name="haemorrhage")
    services.tag_merge(sources=[old], into=keep, by=editor)
    page.refresh_from_db()
    page.get_latest_revision().publish()
    page.refresh_from_db()
    assert page.title == "Draft with old tag"
    assert [t.name for t in page.tags.all()] == ["haemorrhage"]


def test_rename_keeps_every_use(library, editor):
    page = make_resource(library.index, "Tool", tags=("hand hygeine",))
    tag = Tag.objects.get(name="hand hygeine")
    services.tag_rename(tag=tag, name="hand hygiene", slug="hand-hygiene", by=editor)
    assert [t.slug for t in page.tags.all()] == ["hand-hygiene"]


def test_only_national_editors_curate_tags(client, library, district_editor, editor):
    from django.core.exceptions import PermissionDenied

    tag = Tag.objects.create(name="pph")
    with pytest.raises(PermissionDenied):
        services.tag_rename(tag=tag, name="x", slug="x", by=district_editor)
    client.force_login(district_editor)
    assert client.get(reverse("library_admin:tags")).status_code in (302, 403)
    client.force_login(editor)
    assert client.get(reverse("library_admin:tags")).status_code == 200


def test_admin_merge_and_rename(client, library, editor):
    make_resource(library.index, "Tool", tags=("pph", "postpartum haemorrhage"))
    old, keep = (
        Tag.objects.get(name="pph"),
        Tag.objects.get(name="postpartum haemorrhage"),
    )
    client.force_login(editor)
    listing = client.get(reverse("library_admin:tags")).content.decode()
    assert "postpartum haemorrhage" in listing
    response = client.post(
        reverse("library_admin:tags"), {"into": keep.pk, "sources": [old.pk]}
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=old.pk).exists()
    client.post(
        reverse("library_admin:tag_rename", args=[keep.pk]),
        {"name": "Postpartum haemorrhage", "slug": "pph"},
    )
    keep.refresh_from_db()
    assert (keep.name, keep.slug) == ("Postpartum haemorrhage", "pph")
