"""Library fixtures over the shared `world`: a library with two district sections,
editors of each kind, and helpers that make pages and documents."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from wagtail.models import Page, Site

from community.models import Role
from library import services
from library.media import minimal_pdf, silent_mp3
from library.models import (
    Kind,
    Language,
    LibraryIndexPage,
    LibrarySectionPage,
    PodcastEpisodePage,
    PodcastShowPage,
    ResourceAttachment,
    ResourcePage,
)
from tests.factories import member


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Documents and images written by a test stay in its own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Wagtail caches site root paths; a rolled-back test (the demo seed moves the
    site's root) would otherwise leave the next test with stale ones."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Library:
    index: LibraryIndexPage
    section: LibrarySectionPage  # the world's district
    other_section: LibrarySectionPage  # the other district
    public_collection: object
    restricted_collection: object


@pytest.fixture
def library(world) -> Library:
    site = Site.objects.get(is_default_site=True)
    root = Page.objects.get(pk=site.root_page_id)
    index = LibraryIndexPage(title="Library", slug="library")
    root.add_child(instance=index)
    index.save_revision().publish()
    index = LibraryIndexPage.objects.get(pk=index.pk)
    services.library_setup(index=index)
    public, restricted = services.library_collections()
    return Library(
        index=index,
        section=services.section_create(index=index, organisation=world.district),
        other_section=services.section_create(
            index=index, organisation=world.other_district
        ),
        public_collection=public,
        restricted_collection=restricted,
    )


@pytest.fixture
def district_editor(world):
    """A national_editor-role membership at a district: reviewed in their section."""
    return member(Role.NATIONAL_EDITOR, world.district, email="d.editor@example.org")


@pytest.fixture
def trusted_editor(world):
    from community import services as community_services
    from tests.factories import UserFactory

    user = UserFactory(email="trusted@example.org")
    community_services.membership_create(
        user=user,
        organisation=world.district,
        role=Role.NATIONAL_EDITOR,
        trusted_publisher=True,
    )
    return user


def language(code: str) -> Language:
    return Language.objects.get(code=code)


def make_document(title: str, *, collection, content: bytes | None = None, name=None):
    return services.document_create(
        title=title,
        filename=name or f"{title.lower().replace(' ', '-')}.pdf",
        content=content if content is not None else minimal_pdf(title, ["Text."]),
        collection=collection,
    )


def make_resource(
    parent,
    title: str,
    *,
    kind: str = Kind.TOOL,
    tags: tuple[str, ...] = (),
    languages: tuple[str, ...] = ("en",),
    year: int = 2024,
    summary: str = "",
    body=None,
    attachments=(),
    live: bool = True,
) -> ResourcePage:
    resource = ResourcePage(
        title=title,
        kind=kind,
        summary=summary or f"About {title}.",
        publication_date=datetime.date(year, 6, 1),
        body=body or [("paragraph", f"<p>{title} in practice.</p>")],
        live=live,
    )
    resource.attachments = [ResourceAttachment(document=d) for d in attachments]
    parent.add_child(instance=resource)
    resource.languages.set([language(c) for c in languages])
    resource.tags.set(list(tags))
    revision = resource.save_revision()
    if live:
        revision.publish()
    return ResourcePage.objects.get(pk=resource.pk)


def make_show(parent, title: str = "Learning Together") -> PodcastShowPage:
    show = PodcastShowPage(
        title=title,
        description="Conversations about safer births.",
        author="National QoC team",
        owner_name="QoC team",
        owner_email="podcast@example.org",
    )
    parent.add_child(instance=show)
    show.save_revision().publish()
    return PodcastShowPage.objects.get(pk=show.pk)


def make_episode(
    show,
    title: str,
    *,
    collection,
    seconds: int = 12,
    transcript: str = "<p>Host: welcome.</p>",
    tags: tuple[str, ...] = (),
    live: bool = True,
) -> PodcastEpisodePage:
    audio = make_document(
        f"{title} audio",
        collection=collection,
        content=silent_mp3(seconds),
        name=f"{title.lower().replace(' ', '-')}.mp3",
    )
    episode = PodcastEpisodePage(
        title=title,
        summary=f"{title}, in short.",
        audio=audio,
        transcript=transcript,
        episode_number=1,
        live=False,
    )
    show.add_child(instance=episode)
    episode.tags.set(list(tags))
    revision = episode.save_revision(clean=live)
    if live:
        revision.publish()
    return PodcastEpisodePage.objects.get(pk=episode.pk)


# --- Browser ---------------------------------------------------------------------
# tests/browser's fixtures (a conftest applies only to its own folder, so they are
# re-exported here), except ``browser``: there Chromium is package-scoped and autouse;
# here it is up for one module only (see ``tests.browser.helpers.running_chromium``).

from _pytest.fixtures import FixtureFunctionDefinition  # noqa: E402

import tests.browser.conftest as _browser_conftest  # noqa: E402
from tests.browser.helpers import (  # noqa: E402
    off_the_loop,
)

for _name, _value in vars(_browser_conftest).items():
    if isinstance(_value, FixtureFunctionDefinition) and _name != "browser":
        globals()[_name] = _value


@pytest.fixture
def library_demo(request, live_server, django_db_serialized_rollback) -> dict:
    """The foundation's demo plus the library's (pages, files, podcast)."""
    from library import demo
    from tests.factories import seed_foundation

    if "migrated_db" in globals():
        request.getfixturevalue("migrated_db")

    def seed() -> dict:
        seeded = seed_foundation()
        demo.seed(seeded)
        return seeded

    return off_the_loop(seed)
