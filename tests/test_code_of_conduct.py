"""Every form where members write for others links the code of conduct (the library's
case-study form is checked in tests/library)."""

import pytest
from django.urls import reverse

from community.conf import setting
from forums import chat, services
from forums.models import Space, Visibility


@pytest.fixture
def thread(world, practitioner):
    space = Space.objects.create(
        name="Maternal health", slug="maternal", visibility=Visibility.MEMBERS
    )
    return services.thread_create(
        space=space, author=practitioner, title="Partographs", body="How do you?"
    )


def test_compose_forms_link_the_code_of_conduct(client, world, practitioner, thread):
    client.force_login(practitioner)
    post = thread.posts.get(number=1)
    room = chat.room_for_space(space=thread.space)
    pages = [
        reverse("forums:thread_create", args=[thread.space.slug]),
        thread.get_absolute_url(),
        reverse("forums:reply", args=[thread.pk]),
        reverse("forums:post_edit", args=[post.pk]),
        reverse("forums:thread_edit", args=[thread.pk]),
        room.get_absolute_url(),
        reverse("improvement:project_create", args=[world.facility.slug]),
    ]
    link = f'href="{setting("CODE_OF_CONDUCT_URL")}"'
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert link in response.content.decode(), url
