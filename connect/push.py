"""A learning need someone supports has been answered: said on their phone
(``community.push``) with the need's title, which every member may read, and a
link to the need. Nothing of who else supports it."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import permissions
from .models import NeedNotice, NoticeKind

KIND = "need_answered"


def describe(notice_id: int, user) -> dict | None:
    notice = (
        NeedNotice.objects.select_related("need")
        .filter(pk=notice_id, user=user, read_at=None, kind=NoticeKind.ANSWERED)
        .first()
    )
    if notice is None or not permissions.can_view_needs(user):
        return None
    return {
        "title": _("A learning need you support was answered"),
        "body": notice.need.title,
        "url": notice.need.get_absolute_url(),
    }


def register() -> None:
    from community import push

    push.register(KIND, gettext_lazy("a learning need I support is answered"), describe)
