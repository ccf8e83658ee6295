"""Forum fixtures over the shared `world`: one space of each visibility."""

from dataclasses import dataclass

import pytest

from forums import services
from forums.models import Space, Visibility


@dataclass
class Spaces:
    public: Space
    members: Space
    district: Space  # organisation: the world's district
    facility: Space  # organisation: the world's facility
    other_district: Space
    private: Space
    safe: Space  # members, anonymous posting allowed
    district_safe: Space  # organisation (district) safe space


@pytest.fixture
def spaces(world, coach) -> Spaces:
    make = services.space_create
    return Spaces(
        public=make(name="Newborn care", slug="newborn", visibility=Visibility.PUBLIC),
        members=make(name="IPC", slug="ipc", visibility=Visibility.MEMBERS),
        district=make(
            name="North network",
            slug="north-net",
            visibility=Visibility.ORGANISATION,
            organisation=world.district,
        ),
        facility=make(
            name="North Hospital QI",
            slug="north-qi",
            visibility=Visibility.ORGANISATION,
            organisation=world.facility,
        ),
        other_district=make(
            name="South network",
            slug="south-net",
            visibility=Visibility.ORGANISATION,
            organisation=world.other_district,
        ),
        private=make(
            name="Coaches",
            slug="coaches",
            visibility=Visibility.PRIVATE,
            creator=coach,
        ),
        safe=make(
            name="Speak freely",
            slug="speak",
            visibility=Visibility.MEMBERS,
            safe_space=True,
        ),
        district_safe=make(
            name="North safe",
            slug="north-safe",
            visibility=Visibility.ORGANISATION,
            organisation=world.district,
            safe_space=True,
        ),
    )


@pytest.fixture
def peer(world):
    """A practitioner at a sibling facility of the same district."""
    from community.models import Role
    from tests.factories import member

    return member(Role.PRACTITIONER, world.sibling_facility, email="peer@example.org")


def named(user, name: str):
    from community import services as community_services

    community_services.profile_update(user=user, display_name=name)
    return user


@pytest.fixture
def night_thread(spaces, practitioner, qi_member):
    """A public question with a tag and one reply: what visitors and members read in
    the thread-page tests."""
    from forums.models import ThreadKind

    thread = services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Warm chain at night",
        body="We keep a cot warmer on every night shift.",
        tags=["thermal care"],
        kind=ThreadKind.QUESTION,
    )
    services.post_create(thread=thread, author=qi_member, body="Which warmer model?")
    return thread
