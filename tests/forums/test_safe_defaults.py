"""In a safe space, the compose forms start anonymous (without JavaScript too)."""

import pytest

from forums import chat
from forums.forms import ReplyForm, ThreadForm
from forums.models import Space, Visibility

pytestmark = pytest.mark.django_db


def test_thread_and_reply_forms_start_anonymous_in_a_safe_space():
    for form_class in (ThreadForm, ReplyForm):
        assert " checked" in str(form_class(allow_anonymous=True)["anonymous"])
        assert "anonymous" not in form_class(allow_anonymous=False).fields


def test_a_safe_rooms_compose_box_starts_anonymous(client, practitioner):
    safe = Space.objects.create(
        name="Safe", slug="safe", visibility=Visibility.MEMBERS, safe_space=True
    )
    plain = Space.objects.create(
        name="Plain", slug="plain", visibility=Visibility.MEMBERS
    )
    client.force_login(practitioner)
    safe_page = client.get(chat.room_for_space(space=safe).get_absolute_url()).text
    assert 'id="chat-anon" name="anonymous" checked' in safe_page
    plain_page = client.get(chat.room_for_space(space=plain).get_absolute_url()).text
    assert 'id="chat-anon"' not in plain_page


def test_posting_by_name_in_a_safe_space_is_still_one_click(client, practitioner):
    space = Space.objects.create(
        name="Safe", slug="safe2", visibility=Visibility.MEMBERS, safe_space=True
    )
    client.force_login(practitioner)
    response = client.post(
        f"/forums/s/{space.slug}/new/",
        {"title": "By name", "body": "I sign this one.", "kind": "discussion"},
    )
    assert response.status_code == 302
    thread = space.threads.get()
    assert not thread.anonymous
