"""Learning-needs surveys: the national team asks every member a few multiple-choice
questions ("which of these would you like help with?").

A response keeps who answered only so that nobody answers twice and so that the
respondent can read their own answers back. Results are counts by district and
facility, and a group smaller than ``COMMUNITY["MIN_GROUP_SIZE"]`` is folded into a
larger one (``connect.surveys.results``): no page, file or email gives anyone's
answers to anyone but the respondent.

Imported by name at the bottom of ``connect.models``, so the models belong to the
``connect`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_QUESTIONS = 6
MIN_CHOICES = 2
MAX_CHOICES = 10


class SurveyState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Survey(models.Model):
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(
        _("introduction"), max_length=2000, blank=True, help_text=_("Markdown.")
    )
    intro_html = models.TextField(editable=False, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=SurveyState.choices, default=SurveyState.DRAFT
    )
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Kept with each response, so lists need no count.
    response_count = models.PositiveIntegerField(default=0, editable=False)
    invited_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("connect:survey", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Open and not past its closing time (a survey closes by itself)."""
        return self.state == SurveyState.OPEN and (
            self.closes_at is None or self.closes_at > timezone.now()
        )

    @property
    def is_closed(self) -> bool:
        return self.state == SurveyState.CLOSED or (
            self.state == SurveyState.OPEN and not self.is_open
        )


class SurveyQuestion(models.Model):
    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=300)
    multiple = models.BooleanField(_("members may choose several answers"))

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyChoice(models.Model):
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.CASCADE, related_name="choices"
    )
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("answer"), max_length=200)
    # The learning need this answer became in triage, if it did: its supporters are
    # the members who chose it, told when the need is answered.
    need = models.ForeignKey(
        "connect.LearningNeed",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_choices",
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One member's answers. The facility and district are copied at answering time, so
    results do not move when a member changes facility or leaves (then ``user`` is
    emptied and the answers stay, as numbers)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="responses"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    facility = models.ForeignKey(
        "community.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    district = models.ForeignKey(
        "community.Organisation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="connect_one_response_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"response #{self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers"
    )
    choice = models.ForeignKey(
        SurveyChoice, on_delete=models.CASCADE, related_name="answers"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["response", "choice"], name="connect_one_answer_per_choice"
            )
        ]

    def __str__(self) -> str:
        return f"answer #{self.pk}"


class SurveyInvitation(models.Model):
    """That a member was sent the survey (once, however often the task is retried)."""

    survey = models.ForeignKey(
        Survey, on_delete=models.CASCADE, related_name="invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="connect_one_invitation_per_member"
            )
        ]

    def __str__(self) -> str:
        return f"invitation #{self.pk}"
