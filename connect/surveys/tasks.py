"""Sending a survey: one email to each member, in their language, once."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community.languages import member_language

from ..conf import absolute
from .models import Survey, SurveyInvitation, SurveyState

logger = logging.getLogger(__name__)


@task()
def send_survey_invitations(survey_id: int) -> int:
    """Invite every active member not emailed yet: run again after a mail-server
    failure, it sends to those it missed and to no one twice. Members without an email
    address (phone members) find the survey waiting on their needs page."""
    survey = Survey.objects.filter(pk=survey_id, state=SurveyState.OPEN).first()
    if survey is None:
        return 0
    users = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(
            pk__in=SurveyInvitation.objects.filter(survey=survey)
            .exclude(emailed_at=None)
            .values("user")
        )
        .select_related("profile")
        .order_by("pk")
    )
    url = absolute(survey.get_absolute_url())
    sent = 0
    for user in users.iterator(chunk_size=200):
        invitation, _created = SurveyInvitation.objects.get_or_create(
            survey=survey, user=user
        )
        if invitation.emailed_at is not None:
            continue
        with translation.override(member_language(user)):
            context = {
                "survey": survey,
                "survey_url": url,
                "questions": survey.questions.count(),
                "language": translation.get_language(),
            }
            subject = _("The national team asks: “%(title)s”") % {"title": survey.title}
            message = EmailMultiAlternatives(
                subject=" ".join(subject.split()),
                body=render_to_string("connect/email/survey.txt", context),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
                headers={"Auto-Submitted": "auto-generated"},
            )
            message.attach_alternative(
                render_to_string("connect/email/survey.html", context), "text/html"
            )
            try:
                message.send()
            except (OSError, smtplib.SMTPException):
                # The mail server is down or refused this one: the member stays
                # un-emailed and the next run sends to them; the rest go on.
                logger.warning(
                    "survey %s: invitation to user %s not sent", survey.pk, user.pk
                )
                continue
        SurveyInvitation.objects.filter(pk=invitation.pk).update(
            emailed_at=timezone.now()
        )
        sent += 1
    Survey.objects.filter(pk=survey.pk).update(invited_count=F("invited_count") + sent)
    return sent
