"""What other apps contribute to the library's pages, without the library importing
them: tagged items for tag pages and "related discussions", and recent or upcoming
items for newsletters.

An app registers a Wagtail hook:

    @hooks.register(TAGGED_ITEMS_HOOK)
    def tagged_events(user, tag, limit) -> ItemGroup | None: ...

    @hooks.register(NEWSLETTER_ITEMS_HOOK)
    def newsletter_events(kind, limit) -> ItemGroup | None: ...   # kind: "events"

Apps that register nothing are still found through ``LIBRARY["TAGGED_MODELS"]``:
a model with taggit ``tags``, ``objects.visible_to(user)`` and ``get_absolute_url()``.
Content is always filtered by its own app's ``visible_to``, so a private space's
threads never show on a public tag page. An app that is not installed is skipped.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from django.utils.formats import date_format
from wagtail import hooks

from .conf import setting

TAGGED_ITEMS_HOOK = "community_tagged_items"
NEWSLETTER_ITEMS_HOOK = "community_newsletter_items"


@dataclass
class Item:
    title: str
    url: str
    snippet: str = ""
    meta: str = ""  # a short plain-text line: a date, a space, a type


@dataclass
class ItemGroup:
    key: str  # "discussions", "events", ...
    title: str
    items: list[Item] = field(default_factory=list)
    order: int = 100


def _configured() -> dict[str, dict[str, Any]]:
    return setting("TAGGED_MODELS")


def _model(label: str):
    try:
        return apps.get_model(label)
    except (LookupError, ValueError):
        return None


def _usable(model) -> bool:
    manager = getattr(model, "objects", None)
    return (
        model is not None
        and manager is not None
        and hasattr(manager, "visible_to")
        and hasattr(model, "get_absolute_url")
        and hasattr(model, "tags")
    )


def _as_item(obj, config: dict[str, Any]) -> Item:
    date_field = config.get("upcoming_field") or config.get("recent", "").lstrip("-")
    value = getattr(obj, date_field, None) if date_field else None
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    meta = date_format(value, "j M Y") if value is not None else ""
    return Item(title=str(obj), url=obj.get_absolute_url(), meta=meta)


def _generic_tagged(user, key: str, config: dict, tag, limit: int) -> ItemGroup | None:
    model = _model(config["model"])
    if not _usable(model):
        return None
    queryset = model.objects.visible_to(user).filter(tags__slug=tag.slug)
    if config.get("recent"):
        queryset = queryset.order_by(config["recent"])
    if config.get("upcoming_field"):
        queryset = queryset.filter(
            **{f"{config['upcoming_field']}__gte": timezone.now()}
        )
    objects = list(queryset.distinct()[:limit])
    return ItemGroup(
        key=key,
        title=config.get("title", key),
        items=[_as_item(obj, config) for obj in objects],
        order=config.get("order", 100),
    )


def tagged_groups(user, tag, *, limit: int) -> list[ItemGroup]:
    """Other apps' items with ``tag`` that ``user`` may see: hooks first, then the
    configured models no hook answered for."""
    groups: dict[str, ItemGroup] = {}
    for fn in hooks.get_hooks(TAGGED_ITEMS_HOOK):
        group = fn(user, tag, limit)
        if group is not None:
            groups.setdefault(group.key, group)
    for key, config in _configured().items():
        if key not in groups:
            group = _generic_tagged(user, key, config, tag, limit)
            if group is not None:
                groups[key] = group
    return sorted(groups.values(), key=lambda g: g.order)


def related_items(user, tag_slugs: list[str], *, key: str, limit: int) -> list[Item]:
    """Items of one kind ("discussions") sharing any of ``tag_slugs``."""
    if not tag_slugs:
        return []
    registered = hooks.get_hooks(TAGGED_ITEMS_HOOK)
    if registered:
        from taggit.models import Tag

        # Hooks answer per tag: ask with the item's first tag (cheap, and relevant).
        tag = Tag.objects.filter(slug=tag_slugs[0]).first()
        for fn in registered if tag is not None else []:
            group = fn(user, tag, limit)
            if group is not None and group.key == key:
                return group.items[:limit]
    config = _configured().get(key)
    if not config:
        return []
    model = _model(config["model"])
    if not _usable(model):
        return []
    queryset = model.objects.visible_to(user).filter(tags__slug__in=tag_slugs)
    if config.get("recent"):
        queryset = queryset.order_by(config["recent"])
    return [_as_item(obj, config) for obj in queryset.distinct()[:limit]]


def newsletter_items(kind: str, *, limit: int) -> list[Item]:
    """Public items for a newsletter block ("events", "discussions"): what anyone may
    read, because an email goes to people the site does not know."""
    for fn in hooks.get_hooks(NEWSLETTER_ITEMS_HOOK):
        group = fn(kind, limit)
        if group is not None:
            return group.items[:limit]
    config = _configured().get(kind)
    if not config:
        return []
    model = _model(config["model"])
    if not _usable(model):
        return []
    queryset = model.objects.visible_to(AnonymousUser())
    if config.get("upcoming_field"):
        queryset = queryset.filter(
            **{f"{config['upcoming_field']}__gte": timezone.now()}
        )
    if config.get("recent"):
        queryset = queryset.order_by(config["recent"])
    return [_as_item(obj, config) for obj in queryset[:limit]]
