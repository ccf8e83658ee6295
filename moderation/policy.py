"""The content policy: who counts as new, how much a flag weighs, what waits for review."""

import re
from datetime import timedelta
from functools import lru_cache

from django.utils import timezone

from community import permissions as capability

from .conf import setting
from .models import CaseReason, Sanction, SanctionKind

_LINK = re.compile(r"(https?://|www\.)", re.IGNORECASE)


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


def flag_weight(user) -> float:
    return float(setting("FLAG_WEIGHTS")[standing(user)])


def active_sanction(user, kind: str) -> Sanction | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return (
        Sanction.objects.active().filter(user=user, kind=kind).order_by("-ends").first()
    )


def is_suspended(user) -> bool:
    return active_sanction(user, SanctionKind.SUSPENSION) is not None


def is_muted(user) -> bool:
    return active_sanction(user, SanctionKind.MUTE) is not None


def hold_reason(*, author, text: str) -> str | None:
    """Why a new post by ``author`` must wait for a moderator, or None."""
    if active_sanction(author, SanctionKind.REVIEW) is not None:
        return CaseReason.REVIEW_REQUIRED
    if patient_identifier_match(text):
        return CaseReason.PATIENT_PATTERN
    if _LINK.search(text) and standing(author) == "new":
        return CaseReason.NEW_MEMBER_LINKS
    return None
