"""The demo forums: every visibility, a safe space with anonymous posts, idempotent."""

import pytest
from django.core.management import call_command

from forums.models import Notification, Post, Space, Thread, Visibility


@pytest.mark.django_db
def test_seed_demo_twice_is_idempotent(settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "ALLOW_DEMO_SEED": True}
    settings.MODERATION = {}  # the real rate limits, as `make run` has them
    call_command("seed_demo", "--quiet-accounts")
    counts = (Space.objects.count(), Thread.objects.count(), Post.objects.count())
    call_command("seed_demo", "--quiet-accounts")
    assert (
        Space.objects.count(),
        Thread.objects.count(),
        Post.objects.count(),
    ) == counts
    assert counts[1] >= 30
    assert set(Space.objects.values_list("visibility", flat=True)) == set(
        Visibility.values
    )
    safe = Space.objects.get(safe_space=True)
    anonymous = Post.objects.filter(
        space=safe, anonymous=True, author__email="safe.poster@demo.example"
    )
    assert anonymous.count() >= 5
    assert Thread.objects.filter(
        kind="question", accepted_answer__isnull=False
    ).exists()
    assert Thread.objects.filter(kind="change_story", outcome="worked").exists()
    assert Thread.objects.filter(kind="change_story", outcome="did_not_work").exists()
    # A reply mentions two members by display name: links to their pages, and a bell.
    mention = Post.objects.get(body__contains="@Esther (nurse)")
    assert mention.body_html.count('class="mention"') == 2
    assert Notification.objects.filter(
        kind="mention", post=mention, user__email="nurse.lakeside@demo.example"
    ).exists()
