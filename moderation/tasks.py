from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from community.conf import absolute


@task()
def send_notice_email(*, notice_id: int) -> None:
    """Email a moderation notice to the member it concerns (only to them)."""
    from .models import Notice

    notice = Notice.objects.select_related("user").filter(pk=notice_id).first()
    if notice is None or not notice.user.email:
        return
    language = getattr(getattr(notice.user, "profile", None), "language", None)
    with translation.override(language or settings.LANGUAGE_CODE):
        link = (
            _("Open it: %(url)s") % {"url": absolute(notice.url)} + "\n"
            if notice.url
            else ""
        )
        send_mail(
            subject=_("A note from the moderators"),
            message=notice.text
            + "\n\n"
            + link
            + _("Your notices: %(url)s")
            % {
                "url": settings.WAGTAILADMIN_BASE_URL.rstrip("/")
                + "/moderation/notices/"
            },
            from_email=None,
            recipient_list=[notice.user.email],
        )
