"""Every write in the library goes through these functions (keyword-only, typed).

Views, admin views, tasks and the demo seed call them; side effects (emails, tasks)
run on commit.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from taggit.models import Tag
from wagtail.models import (
    Collection,
    CollectionViewRestriction,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from community import permissions as cp
from community.models import Organisation

from . import permissions
from .conf import absolute, setting
from .models import (
    CaseStudyChange,
    CaseStudyPage,
    CaseStudyResult,
    Delivery,
    LibraryIndexPage,
    LibrarySectionPage,
    NationalReviewTask,
    NewsletterIssuePage,
    Subscriber,
    SubscriberStatus,
)

WORKFLOW_NAME = "Library review"
TASK_NAME = "National editor review"


# --- Setting up a library --------------------------------------------------------


def _editor_groups() -> list[Group]:
    return [
        Group.objects.get_or_create(name=name)[0]
        for name in sorted(cp.groups_with(cp.Cap.PUBLISH_LIBRARY))
    ]


def library_collections() -> tuple[Collection, Collection]:
    """The public and the restricted library collections (created when missing)."""
    root = Collection.get_first_root_node()
    found = {}
    for key in ("COLLECTION", "RESTRICTED_COLLECTION"):
        name = setting(key)
        collection = root.get_children().filter(name=name).first()
        if collection is None:
            collection = root.add_child(name=name)
        found[key] = collection
    restricted = found["RESTRICTED_COLLECTION"]
    # Wagtail's own check asks for a sign-in; the library's `before_serve_document`
    # hook then asks the capability map whether this person is a library editor.
    CollectionViewRestriction.objects.get_or_create(
        collection=restricted,
        restriction_type=CollectionViewRestriction.LOGIN,
    )
    return found["COLLECTION"], restricted


@transaction.atomic
def library_setup(*, index: LibraryIndexPage) -> Workflow:
    """Give a new library its collections, its review workflow, and the editors'
    groups enough of Wagtail's own grants to find it in the admin. What they may do
    on each page is decided by the capability map (``LibraryPagePermissionTester``)."""
    public, restricted = library_collections()
    groups = _editor_groups()
    page_perms = Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=["add_page", "change_page"]
    )
    collection_perms = Permission.objects.filter(
        content_type__app_label__in=["wagtaildocs", "wagtailimages"],
        codename__in=[
            "add_document",
            "change_document",
            "choose_document",
            "add_image",
            "change_image",
            "choose_image",
        ],
    )
    for group in groups:
        for perm in page_perms:
            GroupPagePermission.objects.get_or_create(
                group=group, page=index, permission=perm
            )
        for collection in (public, restricted):
            for perm in collection_perms:
                GroupCollectionPermission.objects.get_or_create(
                    group=group, collection=collection, permission=perm
                )
    workflow, _created = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    task = NationalReviewTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = NationalReviewTask.objects.create(name=TASK_NAME)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


def section_create(
    *, index: LibraryIndexPage, organisation: Organisation, intro: str = ""
) -> LibrarySectionPage:
    """A district's section: its editors work here, under the library's workflow."""
    existing = LibrarySectionPage.objects.filter(organisation=organisation).first()
    if existing is not None:
        return existing
    section = LibrarySectionPage(
        title=organisation.name,
        slug=organisation.slug,
        organisation=organisation,
        intro=intro,
    )
    index.add_child(instance=section)
    section.save_revision().publish()
    return section


# --- Case studies from the front end ----------------------------------------------


def _html(text: str) -> str:
    return linebreaks(escape(text.strip())) if text.strip() else ""


def _destination(index: LibraryIndexPage, facility: Organisation) -> Page:
    district = facility.district
    section = (
        LibrarySectionPage.objects.filter(organisation=district).first()
        if district is not None
        else None
    )
    return section or index


@transaction.atomic
def case_study_submit(
    *,
    user,
    index: LibraryIndexPage,
    facility: Organisation,
    title: str,
    summary: str,
    facility_type: str,
    setting_kind: str,
    population: str,
    problem: str,
    how_found: str,
    root_cause_tools: str,
    changes: list[tuple[str, str, str]],
    indicator: str,
    unit: str,
    results: list[tuple[str, Decimal]],
    lessons: str,
    contacts: str,
    tags: list[str],
) -> CaseStudyPage:
    """A facility's case study, saved as a draft in its district's section and sent to
    the library's review step: editors polish it and publish."""
    permissions.check_submit_case_study(user, facility)
    parent = _destination(index, facility)
    page = CaseStudyPage(
        title=title,
        summary=summary,
        facility=facility,
        facility_type=facility_type,
        setting=setting_kind,
        population=population,
        problem=_html(problem),
        how_found=_html(how_found),
        root_cause_tools=root_cause_tools,
        indicator=indicator,
        unit=unit,
        lessons=_html(lessons),
        contacts=contacts,
        submitted_by=user,
        owner=user,
        live=False,
    )
    page.changes = [
        CaseStudyChange(description=d, outcome=o, why=w, sort_order=i)
        for i, (d, o, w) in enumerate(changes)
    ]
    page.results = [
        CaseStudyResult(period=p, value=v, sort_order=i)
        for i, (p, v) in enumerate(results)
    ]
    page.tags.set(tags)
    parent.add_child(instance=page)
    page.save_revision(user=user, log_action=True)
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, user)
    return page


# --- Newsletter subscriptions ------------------------------------------------------


def _send_confirmation(subscriber: Subscriber) -> None:
    from django.conf import settings
    from django.core.mail import EmailMultiAlternatives

    from .tokens import make_confirm_token

    link = absolute(
        reverse("library:newsletter_confirm", args=[make_confirm_token(subscriber)])
    )
    with translation.override(subscriber.language or None):
        context = {"confirm_url": link, "days": setting("CONFIRMATION_DAYS")}
        message = EmailMultiAlternatives(
            subject=_("Confirm your newsletter subscription"),
            body=render_to_string("library/email/confirm.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[subscriber.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(
            render_to_string("library/email/confirm.html", context), "text/html"
        )
    message.send()


@transaction.atomic
def subscription_request(*, email: str, language: str = "") -> Subscriber:
    """Double opt-in: nothing is sent to an address until its owner confirms. Asking
    again re-sends the confirmation; an address already subscribed gets nothing."""
    email = email.strip().lower()
    subscriber = Subscriber.objects.select_for_update().filter(email=email).first()
    if subscriber is None:
        subscriber = Subscriber(email=email, language=language)
        subscriber.full_clean()
        subscriber.save()
    elif subscriber.status == SubscriberStatus.ACTIVE:
        return subscriber
    else:
        subscriber.status = SubscriberStatus.PENDING
        subscriber.language = language or subscriber.language
        subscriber.save(update_fields=["status", "language"])
    transaction.on_commit(lambda: _send_confirmation(subscriber))
    return subscriber


@transaction.atomic
def subscription_confirm(*, subscriber: Subscriber) -> Subscriber:
    if subscriber.status != SubscriberStatus.ACTIVE:
        subscriber.status = SubscriberStatus.ACTIVE
        subscriber.confirmed_at = timezone.now()
        subscriber.unsubscribed_at = None
        subscriber.save(update_fields=["status", "confirmed_at", "unsubscribed_at"])
    return subscriber


@transaction.atomic
def subscription_unsubscribe(*, subscriber: Subscriber) -> Subscriber:
    if subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
        subscriber.save(update_fields=["status", "unsubscribed_at"])
    return subscriber


@transaction.atomic
def subscription_set_for_member(*, user, subscribed: bool) -> Subscriber:
    """A member's preference. Their address was verified when they joined, so no
    confirmation email is needed."""
    subscriber = Subscriber.objects.select_for_update().filter(user=user).first()
    if subscriber is None:
        subscriber = (
            Subscriber.objects.select_for_update()
            .filter(email=user.email.lower())
            .first()
        )
    if subscriber is None:
        subscriber = Subscriber(
            email=user.email.lower(), status=SubscriberStatus.UNSUBSCRIBED
        )
    subscriber.user = user
    profile = getattr(user, "profile", None)
    subscriber.language = getattr(profile, "language", "") or subscriber.language
    if subscribed:
        subscriber.status = SubscriberStatus.ACTIVE
        subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
        subscriber.unsubscribed_at = None
    elif subscriber.status != SubscriberStatus.UNSUBSCRIBED:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        subscriber.unsubscribed_at = timezone.now()
    subscriber.save()
    return subscriber


# --- Sending a newsletter ----------------------------------------------------------


def _unsubscribe_url(subscriber: Subscriber) -> str:
    from .tokens import make_unsubscribe_token

    return absolute(
        reverse(
            "library:newsletter_unsubscribe", args=[make_unsubscribe_token(subscriber)]
        )
    )


def newsletter_send_test(*, issue: NewsletterIssuePage, user) -> None:
    """Send the latest draft to the editor themselves, marked as a test."""
    from .newsletters import build_message

    permissions.check_send_newsletter(user)
    draft = issue.get_latest_revision_as_object()
    build_message(
        issue=draft,
        to=user.email,
        unsubscribe_url=absolute(reverse("library:newsletter_preferences")),
        subject_prefix=_("[Test] "),
    ).send()


@transaction.atomic
def newsletter_send(*, issue: NewsletterIssuePage, by) -> int:
    """Send a published issue to every active subscriber, once. Returns how many
    deliveries were queued. A second call (double click, two editors) sends nothing."""
    from .newsletters import issue_sections
    from .tasks import send_newsletter_batch

    permissions.check_send_newsletter(by)
    issue = NewsletterIssuePage.objects.get(pk=issue.pk)
    if not issue.live or issue.has_unpublished_changes:
        raise ValidationError(_("Publish the latest changes before sending."))
    snapshot = issue_sections(issue)
    claimed = NewsletterIssuePage.objects.filter(
        pk=issue.pk, send_started_at__isnull=True
    ).update(send_started_at=timezone.now(), sent_by=by, snapshot=snapshot)
    if not claimed:
        raise ValidationError(_("This issue has already been sent."))
    issue.refresh_from_db(fields=["send_started_at", "sent_by", "snapshot"])
    subscriber_ids = list(
        Subscriber.objects.filter(status=SubscriberStatus.ACTIVE)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, subscriber_id=pk) for pk in subscriber_ids],
        ignore_conflicts=True,
    )
    delivery_ids = list(
        Delivery.objects.filter(issue=issue).order_by("pk").values_list("pk", flat=True)
    )
    size = setting("NEWSLETTER_BATCH_SIZE")
    batches = [delivery_ids[i : i + size] for i in range(0, len(delivery_ids), size)]

    def enqueue():
        for batch in batches:
            send_newsletter_batch.enqueue(issue_id=issue.pk, delivery_ids=batch)

    transaction.on_commit(enqueue)
    return len(delivery_ids)


def delivery_send_batch(*, issue_id: int, delivery_ids: list[int]) -> int:
    """Send one batch over one connection. Each delivery is claimed atomically before
    its email goes: a retried task (or two workers) never sends one twice. A failed
    send releases the claim so that a retry tries again. Returns emails sent."""
    from .newsletters import build_message

    issue = NewsletterIssuePage.objects.filter(pk=issue_id).first()
    if issue is None or issue.snapshot is None:
        return 0
    deliveries = list(
        Delivery.objects.filter(
            pk__in=delivery_ids, issue_id=issue_id, sent_at__isnull=True
        ).select_related("subscriber")
    )
    sent = 0
    failures: list[str] = []
    with get_connection() as connection:
        for delivery in deliveries:
            subscriber = delivery.subscriber
            now = timezone.now()
            claimed = Delivery.objects.filter(
                pk=delivery.pk, claimed_at__isnull=True, sent_at__isnull=True
            ).update(claimed_at=now)
            if not claimed:
                continue
            if subscriber.status != SubscriberStatus.ACTIVE:
                Delivery.objects.filter(pk=delivery.pk).update(error="unsubscribed")
                continue
            with translation.override(subscriber.language or None):
                message = build_message(
                    issue=issue,
                    to=subscriber.email,
                    unsubscribe_url=_unsubscribe_url(subscriber),
                    sections=issue.snapshot,
                )
            message.connection = connection
            try:
                message.send()
            except Exception as error:  # noqa: BLE001 - release the claim, retry later
                Delivery.objects.filter(pk=delivery.pk).update(
                    claimed_at=None, error=str(error)[:500]
                )
                failures.append(subscriber.email)
                continue
            Delivery.objects.filter(pk=delivery.pk).update(
                sent_at=timezone.now(), error=""
            )
            sent += 1
    if failures:
        # Fail the task so the queue's retry picks the released deliveries up again.
        raise RuntimeError(f"{len(failures)} newsletter emails failed; will retry")
    return sent


# --- Tags --------------------------------------------------------------------------


def _through_models():
    """Every taggit through model in the project (library, forums, profiles, ...)."""
    from django.apps import apps
    from taggit.models import ItemBase

    for model in apps.get_models():
        if issubclass(model, ItemBase) and any(
            f.name == "tag" and f.related_model is Tag for f in model._meta.fields
        ):
            yield model


def _object_key(model) -> tuple[str, ...]:
    names = {f.name for f in model._meta.fields}
    if "content_object" in names:
        return ("content_object_id",)
    return ("content_type_id", "object_id")


@transaction.atomic
def tag_rename(*, tag: Tag, name: str, slug: str, by) -> Tag:
    permissions.check_curate_tags(by)
    name, slug = name.strip(), slug.strip()
    clash = Tag.objects.exclude(pk=tag.pk).filter(name__iexact=name)
    if clash.exists():
        raise ValidationError(
            {"name": _("Another tag has this name: merge them instead.")}
        )
    if Tag.objects.exclude(pk=tag.pk).filter(slug=slug).exists():
        raise ValidationError({"slug": _("Another tag has this slug.")})
    tag.name, tag.slug = name, slug
    tag.full_clean()
    tag.save()
    return tag


@transaction.atomic
def tag_merge(*, sources: list[Tag], into: Tag, by) -> int:
    """Move every use of ``sources`` (in every app) onto ``into``, then delete them.
    Objects that already had ``into`` keep one tag, not two. Page revisions are
    rewritten too, so an old draft never points at a deleted tag. Returns how many
    uses moved."""
    from wagtail.models import Revision

    permissions.check_curate_tags(by)
    source_ids = [t.pk for t in sources if t.pk != into.pk]
    if not source_ids:
        return 0
    moved = 0
    touched_pages: set[str] = set()
    for model in _through_models():
        key = _object_key(model)
        existing = set(model.objects.filter(tag=into).values_list(*key))
        drop, keep = [], []
        for row in model.objects.filter(tag_id__in=source_ids).values("pk", *key):
            ident = tuple(row[k] for k in key)
            if ident in existing:
                drop.append(row["pk"])
            else:
                existing.add(ident)
                keep.append(row["pk"])
            if key == ("content_object_id",):
                touched_pages.add(str(row["content_object_id"]))
        model.objects.filter(pk__in=drop).delete()
        moved += model.objects.filter(pk__in=keep).update(tag=into)
    for revision in Revision.objects.filter(object_id__in=touched_pages):
        if _rewrite_revision_tags(revision.content, set(source_ids), into.pk):
            revision.save(update_fields=["content"])
    Tag.objects.filter(pk__in=source_ids).delete()
    return moved


def _rewrite_revision_tags(content: dict, source_ids: set[int], into_id: int) -> bool:
    changed = False
    for value in content.values():
        if not (isinstance(value, list) and value and isinstance(value[0], dict)):
            continue
        if "tag" not in value[0]:
            continue
        seen = {row["tag"] for row in value if row.get("tag") not in source_ids}
        kept = []
        for row in value:
            if row.get("tag") in source_ids:
                changed = True
                if into_id in seen:
                    continue
                row["tag"] = into_id
                seen.add(into_id)
            kept.append(row)
        value[:] = kept
    return changed


# --- Demo support ------------------------------------------------------------------


def document_create(*, title: str, filename: str, content: bytes, collection, tags=()):
    """A Wagtail document from bytes (the demo's generated PDFs and audio)."""
    from django.core.files.base import ContentFile
    from wagtail.documents import get_document_model

    Document = get_document_model()
    document = Document(title=title, collection=collection)
    document.file.save(filename, ContentFile(content), save=False)
    document.file_size = len(content)
    document._set_document_file_metadata()
    document.save()
    if tags:
        document.tags.set(list(tags))
    return document
