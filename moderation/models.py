"""Flags, cases (the queue), decisions (the audit log), sanctions and notices.

Content is referred to through a generic relation; this app imports no content app.
A decision records the content it was about, never the person behind it.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FlagReason(models.TextChoices):
    HARASSMENT = "harassment", _("Harassment or disrespect")
    BLAMES_INDIVIDUAL = "blames_individual", _("Blames or names an individual")
    PATIENT_INFORMATION = "patient_information", _("Could identify a patient")
    SPAM = "spam", _("Spam or advertising")
    OTHER = "other", _("Something else")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review (still visible)")
    HELD = "held", _("Hidden until reviewed")
    RESOLVED = "resolved", _("Resolved")


class CaseReason(models.TextChoices):
    FLAGGED = "flagged", _("Flagged by members")
    NEW_MEMBER_LINKS = "new_member_links", _("A new member's post with links")
    PATIENT_PATTERN = "patient_pattern", _("May contain patient identifiers")
    REVIEW_REQUIRED = "review_required", _("Author's posts need review")
    # Held because the anonymous alias that wrote it is under review: it names only
    # the alias, in the one thread or room where that alias is already public.
    ALIAS_REVIEW = "alias_review", _("This alias's posts here are reviewed")
    RESUBMITTED = "resubmitted", _("Edited by its author after being hidden")


class Case(models.Model):
    """One queue item per piece of content while it needs a moderator."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    content = GenericForeignKey("content_type", "object_id")
    status = models.CharField(
        max_length=16, choices=CaseStatus.choices, default=CaseStatus.OPEN
    )
    reason = models.CharField(max_length=24, choices=CaseReason.choices)
    score = models.FloatField(default=0)
    excerpt = models.TextField(
        blank=True, help_text=_("What the content said when the case opened.")
    )
    created = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=~Q(status="resolved"),
                name="one_unresolved_case_per_content",
            )
        ]
        verbose_name = _("moderation case")

    def __str__(self) -> str:
        return (
            f"{self.get_reason_display()} · {self.content_type.model} {self.object_id}"
        )


class Flag(models.Model):
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="flags")
    # Empty once the member who flagged has left: the case keeps its reasons.
    flagger = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=24, choices=FlagReason.choices)
    text = models.CharField(max_length=500, blank=True)
    weight = models.FloatField()
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "flagger"],
                name="one_flag_per_member",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.content_type_id}:{self.object_id}"


class Action(models.TextChoices):
    KEEP = "keep", _("Keep")
    HIDE = "hide", _("Hide")
    RESTORE = "restore", _("Restore")
    EDIT = "edit", _("Edit with a reason")
    DELETE = "delete", _("Delete")
    WARN = "warn", _("Warn the author")
    MUTE = "mute", _("Mute the author in chat")
    SUSPEND = "suspend", _("Suspend the author's posting")
    REQUIRE_REVIEW = "require_review", _("Review the author's next posts")


SANCTION_ACTIONS = {Action.WARN, Action.MUTE, Action.SUSPEND, Action.REQUIRE_REVIEW}


class Outcome(models.TextChoices):
    """What a sanction left the content as. A sanction decides the case like any other
    decision (the case closes; the sanction goes on for its days), so it also says
    what happens to the content it was decided on."""

    SHOWN = "shown", _("shown")
    HIDDEN = "hidden", _("hidden")


class Decision(models.Model):
    """The audit log: who moderated what, why and when (the content, not its author)."""

    # Empty once the moderator has left: the audit keeps what was decided, not by whom.
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=16, choices=Action.choices)
    reason = models.TextField()
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL)
    excerpt = models.TextField(blank=True)
    days = models.PositiveIntegerField(null=True, blank=True)
    # Sanctions only: the content's state once decided (other actions say it).
    outcome = models.CharField(max_length=8, choices=Outcome.choices, blank=True)
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("moderation decision")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.content_type_id}:{self.object_id}"


class SanctionKind(models.TextChoices):
    WARNING = "warning", _("Warning")
    MUTE = "mute", _("Muted in chat")
    SUSPENSION = "suspension", _("Posting suspended")
    REVIEW = "review", _("Posts reviewed before they appear")


class SanctionQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(starts__lte=now).filter(
            Q(ends__isnull=True) | Q(ends__gt=now)
        )


class Sanction(models.Model):
    """Reaches the author's account; no screen ever shows which account that is.

    A sanction decided on anonymous content is *alias-only*: it acts on the author's
    anonymous content in one place (``scope``: the thread or room of the alias for a
    review, the space for a suspension or mute) and never on anything they write under
    their name, so nothing it causes can be seen as theirs.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=SanctionKind.choices)
    alias_only = models.BooleanField(default=False)
    scope_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    scope_id = models.PositiveBigIntegerField(null=True, blank=True)
    decision = models.OneToOneField(
        Decision, on_delete=models.CASCADE, related_name="sanction"
    )
    starts = models.DateTimeField(default=timezone.now)
    ends = models.DateTimeField(null=True, blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["user", "kind"])]

    def __str__(self) -> str:
        # Never the account: a sanction is known by the decision that made it.
        return f"{self.get_kind_display()} (decision {self.decision_id})"


class Notice(models.Model):
    """A private message from the moderators to an author (or about their content)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="moderation_notices",
    )
    text = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    created = models.DateTimeField(default=timezone.now)
    read = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return self.text[:60]
