"""How a content app makes its models moderatable, without this app importing it.

from moderation.registry import ModerationAdapter, register

class PostAdapter(ModerationAdapter):
    def author(self, obj): ...
    ...

register(Post, PostAdapter())
"""

from __future__ import annotations

from typing import Any

from django.db import models


class ModerationAdapter:
    """The small interface moderation needs from a piece of content."""

    # Its author can edit it while it is hidden, which sends it back for review (the
    # notice tells them so only where it is true).
    resubmit_by_editing = False

    def author(self, obj) -> Any:
        """The account that wrote it; used only to reach it with a sanction."""
        raise NotImplementedError

    def scope(self, obj) -> tuple[Any, bool]:
        """(organisation whose moderators act, is it a safe space)."""
        return None, False

    def excerpt(self, obj) -> str:
        """What it says, for the queue and the audit log. Never the author."""
        raise NotImplementedError

    def audit_excerpt(self, obj) -> str:
        """What the audit log keeps of it (read by more people than the queue, and
        for longer): what it says, unless the content says otherwise."""
        return self.excerpt(obj)

    def named_possible(self, obj) -> bool:
        """Could the author write this under their name instead? Not a relay's
        hidden author (it would share who they are): what they are told about an
        anonymous-only sanction must not suggest it."""
        return True

    def is_anonymous(self, obj) -> bool:
        """Shown without its author: sanctions from it act on the alias only."""
        return bool(getattr(obj, "anonymous", False))

    def alias_place(self, obj) -> Any:
        """Where the alias that wrote it is public (its thread, its room): a review
        decided on anonymous content holds the alias's next content there only."""
        return obj

    def area(self, obj) -> Any:
        """The space it belongs to: a suspension or mute decided on anonymous content
        stops the author's anonymous posting there only."""
        return obj

    def ref(self, obj) -> str:
        """The public reference used in links (never a sequential id where the
        content app has an opaque one)."""
        return str(obj.pk)

    def lookup(self, model, ref: str):
        """The object for a public reference, or None."""
        if not str(ref).isdigit():
            return None
        return model._default_manager.filter(pk=int(ref)).first()

    def url(self, obj) -> str:
        return ""

    def can_view(self, user, obj) -> bool:
        """May this user see it (and so flag it)?"""
        return True

    def is_hidden(self, obj) -> bool:
        return bool(getattr(obj, "is_hidden", False))

    def hide(self, obj) -> None:
        raise NotImplementedError

    def restore(self, obj) -> None:
        raise NotImplementedError

    def delete(self, obj) -> None:
        raise NotImplementedError

    def edit(self, obj, *, body: str) -> None:
        raise NotImplementedError

    def label(self, obj) -> str:
        return obj._meta.verbose_name

    def place_name(self, obj) -> str:
        """Where it was written, in words its author recognises (the thread's title,
        the room's, the event's), for the notice that tells them about a decision.
        Only its author reads that notice."""
        return ""


_registry: dict[type[models.Model], ModerationAdapter] = {}


def register(model: type[models.Model], adapter: ModerationAdapter) -> None:
    _registry[model] = adapter


def adapter_for(obj_or_model) -> ModerationAdapter:
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    meta = getattr(model, "_meta", None)
    model = getattr(meta, "concrete_model", model) if meta is not None else model
    try:
        return _registry[model]
    except KeyError:
        raise LookupError(
            f"{model.__name__} is not registered with moderation"
        ) from None


def is_registered(model) -> bool:
    return getattr(model._meta, "concrete_model", model) in _registry


def registered_models() -> list[type[models.Model]]:
    return list(_registry)
