"""Background work through django-tasks: run by ``manage.py db_worker`` in production,
immediately in development and tests."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community.languages import member_language

from .conf import absolute
from .models import ExternalFeed, NeedNotice, NoticeKind
from .selectors import answer_visible


@task()
def send_need_notice(notice_id: int) -> bool:
    """Email one supporter, in their language, that a need moved on. The email names
    the need and the answer, never who else supports it."""
    notice = (
        NeedNotice.objects.select_related("user__profile", "need", "answer")
        .filter(pk=notice_id)
        .first()
    )
    if notice is None or notice.emailed_at is not None:
        return False
    user = notice.user
    if not user.is_active or not user.email:
        return False
    with translation.override(member_language(user)):
        values = {"title": notice.need.title}
        if notice.kind == NoticeKind.ANSWERED:
            subject = (
                _("A learning need you support was answered: “%(title)s”") % values
            )
        else:
            subject = _("A learning need you support is planned: “%(title)s”") % values
        # An answer this member cannot open (a private thread, say) is not named.
        answer = notice.answer if answer_visible(user, notice.answer) else None
        context = {
            "notice": notice,
            "need": notice.need,
            "answer": answer,
            "need_url": absolute(notice.need.get_absolute_url()),
            "answer_url": absolute(answer.url) if answer else "",
            "notices_url": absolute(reverse("connect:notices")),
            "language": translation.get_language(),
        }
        message = EmailMultiAlternatives(
            subject=" ".join(subject.split()),
            body=render_to_string("connect/email/notice.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("connect/email/notice.html", context), "text/html"
        )
        message.send()
    NeedNotice.objects.filter(pk=notice.pk).update(emailed_at=timezone.now())
    return True


@task()
def fetch_feed(feed_id: int) -> str:
    from .aggregator import feed_fetch

    feed = ExternalFeed.objects.filter(pk=feed_id, active=True).first()
    if feed is None:
        return "gone"
    return feed_fetch(feed=feed).status


@task()
def fetch_feeds() -> int:
    """Fetch every active feed, each in its own task (one slow feed delays no other)."""
    ids = list(ExternalFeed.objects.filter(active=True).values_list("pk", flat=True))
    for feed_id in ids:
        fetch_feed.enqueue(feed_id)
    return len(ids)
