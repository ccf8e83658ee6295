"""Newsletters: issues composed in Wagtail, subscribers (double opt-in for visitors,
a preference for members) and one delivery row per recipient and issue, which is what
stops a retried task from sending twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page

from ..blocks import NewsletterBodyBlock
from .base import LibraryPermissionsMixin


class NewsletterArchivePage(LibraryPermissionsMixin, Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )

    content_panels = Page.content_panels + [FieldPanel("intro")]
    parent_page_types = ["library.LibraryIndexPage"]
    subpage_types = ["library.NewsletterIssuePage"]
    max_count_per_parent = 1
    template = "library/newsletter_archive_page.html"

    class Meta:
        verbose_name = _("newsletter archive")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["issues"] = (
            NewsletterIssuePage.objects.live()
            .public()
            .child_of(self)
            .filter(send_started_at__isnull=False)
            .order_by("-send_started_at")
        )
        return context


class NewsletterIssuePage(LibraryPermissionsMixin, Page):
    intro = RichTextField(
        _("introduction"), blank=True, features=["bold", "italic", "link"]
    )
    body = StreamField(NewsletterBodyBlock(), blank=True, verbose_name=_("body"))
    # Set once, when an editor sends the issue: what the dynamic blocks showed then,
    # so the archive shows what subscribers received.
    send_started_at = models.DateTimeField(null=True, editable=False)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    snapshot = models.JSONField(null=True, editable=False)

    content_panels = Page.content_panels + [FieldPanel("intro"), FieldPanel("body")]
    parent_page_types = ["library.NewsletterArchivePage"]
    subpage_types: list[str] = []
    template = "library/newsletter_issue_page.html"
    preview_modes = [("", _("Web page")), ("email", _("Email"))]

    class Meta:
        verbose_name = _("newsletter issue")
        verbose_name_plural = _("newsletter issues")

    @property
    def is_sent(self) -> bool:
        return self.send_started_at is not None

    def sections(self) -> list[dict]:
        from ..newsletters import issue_sections

        if self.snapshot is not None:
            return self.snapshot
        return issue_sections(self)

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["sections"] = self.sections()
        return context

    def serve_preview(self, request, mode_name):
        if mode_name == "email":
            from django.http import HttpResponse

            from ..newsletters import render_issue

            html, _text = render_issue(self, unsubscribe_url="#unsubscribe")
            return HttpResponse(html)
        return super().serve_preview(request, mode_name)


class SubscriberStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Subscribed")
    UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")


class Subscriber(models.Model):
    email = models.EmailField(_("email"), unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="newsletter_subscription",
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=SubscriberStatus.choices,
        default=SubscriberStatus.PENDING,
        db_index=True,
    )
    language = models.CharField(_("language"), max_length=8, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("newsletter subscriber")
        verbose_name_plural = _("newsletter subscribers")

    def __str__(self) -> str:
        return self.email


class Delivery(models.Model):
    """One issue to one subscriber. ``claimed_at`` is set atomically before sending:
    a retried or duplicated task finds the row claimed and does not send again."""

    issue = models.ForeignKey(
        NewsletterIssuePage, on_delete=models.CASCADE, related_name="deliveries"
    )
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="deliveries"
    )
    claimed_at = models.DateTimeField(null=True)
    sent_at = models.DateTimeField(null=True)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="library_one_delivery_per_issue"
            )
        ]
        verbose_name = _("newsletter delivery")
        verbose_name_plural = _("newsletter deliveries")

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.subscriber_id}"
