"""Reads for pages outside the surveys' own: what waits for a member."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from community.permissions import can_participate

from .models import Survey, SurveyResponse, SurveyState


def waiting_for(user) -> list[Survey]:
    """Open surveys this member has not answered yet (one query)."""
    if not can_participate(user):
        return []
    return list(
        Survey.objects.filter(state=SurveyState.OPEN)
        .filter(Q(closes_at=None) | Q(closes_at__gt=timezone.now()))
        .exclude(pk__in=SurveyResponse.objects.filter(user=user).values("survey"))
        .order_by("-opened_at", "-pk")[:3]
    )
