"""May this reader see that object? One question any plugin can ask of any other's.

A plugin that links to content it does not own (a learning need's answer, a notice)
must not show a title the reader could not open: a private thread's title can say
more than its author meant to share. Content apps register their rule per model;
Wagtail pages follow their own privacy settings; anything else is visible.

    visibility.register(Thread, permissions.can_view_thread)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_rules: dict[type, Callable[[Any, Any], bool]] = {}


def register(model: type, rule: Callable[[Any, Any], bool]) -> None:
    _rules[model] = rule


def can_view(user, obj) -> bool:
    if obj is None:
        return False
    model = type(obj)
    concrete = getattr(getattr(model, "_meta", None), "concrete_model", model)
    rule = _rules.get(model) or _rules.get(concrete)
    if rule is not None:
        return bool(rule(user, obj))
    from wagtail.models import Page

    if isinstance(obj, Page):
        return _page_visible(user, obj)
    return True


def _page_visible(user, page) -> bool:
    """Live, and either public or restricted only to signed-in members (which the
    reader is). Password and group restrictions hide it."""
    if not page.live:
        return False
    restrictions = page.get_view_restrictions()
    if not restrictions:
        return True
    authenticated = bool(getattr(user, "is_authenticated", False))
    return all(r.restriction_type == r.LOGIN and authenticated for r in restrictions)
