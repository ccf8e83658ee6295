"""A learning need answered, on a supporter's phone (``connect.push``): the need's
title and a link, never who else supports it; nothing once the notice is read."""

import pytest
from django.utils import timezone

from connect import push, services
from connect.models import NeedNotice

pytestmark = pytest.mark.django_db


def test_a_supporter_is_told_with_the_needs_title(need, national_team, colleague):
    services.need_support(need=need, user=colleague)
    services.need_answer(
        need=need, by=national_team, kind="other", url="/connect/", title="A webinar"
    )
    notice = NeedNotice.objects.get(user=colleague)
    message = push.describe(notice.pk, colleague)
    assert message["body"] == need.title
    assert message["url"] == need.get_absolute_url()
    assert push.describe(notice.pk, national_team) is None  # not theirs
    NeedNotice.objects.filter(pk=notice.pk).update(read_at=timezone.now())
    assert push.describe(notice.pk, colleague) is None
