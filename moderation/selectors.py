"""Read-side queries for the queue and the audit log."""

from collections import defaultdict

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count

from . import permissions
from .models import Case, CaseStatus, Decision, Flag
from .registry import adapter_for, is_registered


def _load_contents(items) -> dict:
    """Fetch every referenced object with one query per content type."""
    by_type = defaultdict(set)
    for item in items:
        by_type[item.content_type_id].add(item.object_id)
    loaded = {}
    for ct_id, ids in by_type.items():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        if model is None or not is_registered(model):
            continue
        for obj in model._default_manager.filter(pk__in=ids):
            loaded[(ct_id, obj.pk)] = obj
    return loaded


def held_ids(contents: list) -> set:
    """Which of these (one model's) objects the moderators hold hidden until they
    decide, in one query: so a page can say why each one is hidden."""
    if not contents:
        return set()
    return set(
        Case.objects.filter(
            content_type=ContentType.objects.get_for_model(
                contents[0], for_concrete_model=True
            ),
            object_id__in=[obj.pk for obj in contents],
            status=CaseStatus.HELD,
        ).values_list("object_id", flat=True)
    )


def queue_for(user) -> list[dict]:
    """Open and held cases the user may act on, oldest first, with their context."""
    cases = list(
        Case.objects.exclude(status=CaseStatus.RESOLVED)
        .select_related("content_type")
        .annotate(flag_count=Count("flags"))
        .order_by("created", "pk")
    )
    contents = _load_contents(cases)
    reasons = defaultdict(list)
    for flag in Flag.objects.filter(case__in=cases).order_by("created"):
        reasons[flag.case_id].append(flag)
    items = []
    for case in cases:
        content = contents.get((case.content_type_id, case.object_id))
        if content is None or not permissions.can_moderate(user, content):
            continue
        adapter = adapter_for(content)
        items.append(
            {
                "case": case,
                "content": content,
                "label": adapter.label(content),
                "excerpt": adapter.excerpt(content),
                "url": adapter.url(content),
                "hidden": adapter.is_hidden(content),
                "anonymous": adapter.is_anonymous(content),
                "flags": reasons[case.pk],
            }
        )
    return items


def audit_log(limit: int = 200):
    return Decision.objects.select_related(
        "moderator", "moderator__profile", "content_type"
    )[:limit]
