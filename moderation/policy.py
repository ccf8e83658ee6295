"""The content policy: who counts as new, how much a flag weighs, what waits for review."""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta
from functools import lru_cache

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils import timezone

from community import permissions as capability

from .conf import setting
from .models import CaseReason, Sanction, SanctionKind

_LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)
# user pk -> that user's active sanctions, inside ``sanctions_read_once()`` only.
_READ_ONCE: ContextVar[dict | None] = ContextVar("sanctions_read_once", default=None)


@contextmanager
def sanctions_read_once():
    """Within the block, each user's active sanctions are read from the database once.

    Sending one chat message asks about sanctions three times (may they chat, may they
    post, must it wait for review); a busy room sends twenty messages a second, each
    from a worker that also serves hundreds of sockets. The block is one call: a
    sanction decided after it starts applies from the next call.
    """
    token = _READ_ONCE.set({})
    try:
        yield
    finally:
        _READ_ONCE.reset(token)


def _sanctions(user, kind: str) -> list[Sanction] | None:
    """The user's active sanctions of ``kind``, newest end first, when read once."""
    memo = _READ_ONCE.get()
    if memo is None:
        return None
    if user.pk not in memo:
        memo[user.pk] = list(
            Sanction.objects.active().filter(user=user).order_by("-ends", "-pk")
        )
    return [s for s in memo[user.pk] if s.kind == kind]


def _scope(place) -> tuple[int, int]:
    """The (content type, id) an alias-only sanction is scoped to."""
    return ContentType.objects.get_for_model(
        place, for_concrete_model=True
    ).pk, place.pk


def _in_place(sanction: Sanction, place) -> bool:
    return place is not None and (sanction.scope_type_id, sanction.scope_id) == _scope(
        place
    )


@lru_cache(maxsize=8)
def _patterns(raw: tuple[str, ...]) -> list[re.Pattern]:
    return [re.compile(p, re.IGNORECASE) for p in raw]


def patient_identifier_match(text: str) -> bool:
    return any(
        p.search(text) for p in _patterns(tuple(setting("PATIENT_IDENTIFIER_PATTERNS")))
    )


def standing(user) -> str:
    if capability.has_capability(
        user, capability.Cap.MODERATE, None
    ) or capability.has_capability(user, capability.Cap.MODERATE_DISTRICT, None):
        return "steward"
    age = timezone.now() - user.date_joined
    if age < timedelta(days=setting("NEW_MEMBER_DAYS")):
        return "new"
    if age > timedelta(days=setting("ESTABLISHED_MEMBER_DAYS")):
        return "established"
    return "member"


def flag_weight(user, *, safe_space: bool = False) -> float:
    """How much a flag moves content toward being hidden.

    In a safe space a flag from anyone who leads people (facility, coach, district,
    national) weighs nothing toward the hold: it still opens a case for the moderators,
    but leadership alone cannot silence an admission. The rule asks only about the
    flagger, so whether a flag hid something never tells anyone where the author works.
    """
    if safe_space and capability.holds_leadership(user):
        return 0.0
    return float(setting("FLAG_WEIGHTS")[standing(user)])


def _place_q(place) -> Q:
    if place is None:
        return Q(pk__in=[])
    scope_type_id, scope_id = _scope(place)
    return Q(scope_type_id=scope_type_id, scope_id=scope_id)


def active_sanction(
    user, kind: str, *, anonymous: bool = False, place=None
) -> Sanction | None:
    """The sanction of ``kind`` that applies to content ``user`` writes now.

    Account-wide sanctions (decided on named content) apply to everything they write.
    Alias-only sanctions (decided on anonymous content) apply only to anonymous
    content in their own place, so they never touch what the author writes by name.
    """
    if user is None or not getattr(user, "pk", None):
        return None
    read = _sanctions(user, kind)
    if read is not None:
        return next(
            (
                s
                for s in read
                if not s.alias_only or (anonymous and _in_place(s, place))
            ),
            None,
        )
    applies = Q(alias_only=False)
    if anonymous:
        applies |= Q(alias_only=True) & _place_q(place)
    return (
        Sanction.objects.active()
        .filter(user=user, kind=kind)
        .filter(applies)
        .order_by("-ends")
        .first()
    )


def _alias_review(author, place) -> bool:
    read = _sanctions(author, SanctionKind.REVIEW)
    if read is not None:
        return any(s.alias_only and _in_place(s, place) for s in read)
    return (
        Sanction.objects.active()
        .filter(user=author, kind=SanctionKind.REVIEW, alias_only=True)
        .filter(_place_q(place))
        .exists()
    )


def is_suspended(user) -> bool:
    """Suspended everywhere (account-wide): alias-only sanctions never count here,
    so nothing account-wide (closing sockets, presence) follows from them."""
    return active_sanction(user, SanctionKind.SUSPENSION) is not None


def is_muted(user) -> bool:
    return active_sanction(user, SanctionKind.MUTE) is not None


def hold_reason(
    *, author, text: str, anonymous: bool = False, place=None
) -> str | None:
    """Why a new post by ``author`` must wait for a moderator, or None.

    A review decided on named content holds named content only: holding the author's
    anonymous posts too would tell the queue which anonymous posts are theirs. A review
    decided on anonymous content holds only the same alias's content in ``place``.
    """
    if not anonymous and active_sanction(author, SanctionKind.REVIEW) is not None:
        return CaseReason.REVIEW_REQUIRED
    if anonymous and getattr(author, "pk", None) and _alias_review(author, place):
        return CaseReason.ALIAS_REVIEW
    if patient_identifier_match(text):
        return CaseReason.PATIENT_PATTERN
    if _LINK.search(text) and standing(author) == "new":
        return CaseReason.NEW_MEMBER_LINKS
    return None
