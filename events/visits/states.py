"""The lifecycle of an exchange visit, as one table, and the sides that take its moves.

It writes nothing: ``permissions`` reads it to say who may move now, ``services`` to
make the move (the sides are described there).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from .models import ExchangeVisit, VisitAction, VisitState

VISITING, HOST, DISTRICT = "visiting", "host", "district"
# Anyone from the visiting facility: the team that went writes the report.
VISITING_TEAM = "visiting_team"


class TransitionNotAllowed(ValidationError):
    """A move the lifecycle does not have from the visit's current state."""


@dataclass(frozen=True)
class Move:
    to: str
    sides: frozenset[str]


def _move(to: str, *sides: str) -> Move:
    return Move(to=to, sides=frozenset(sides))


S, A = VisitState, VisitAction

# The whole lifecycle. Nothing else changes ``ExchangeVisit.state``.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.PAIRING_PROPOSED, A.AGREE): _move(S.REQUESTED, VISITING),
    (S.PAIRING_PROPOSED, A.DECLINE): _move(S.DECLINED, VISITING, HOST),
    (S.PAIRING_PROPOSED, A.CANCEL): _move(S.CANCELLED, DISTRICT),
    (S.REQUESTED, A.ACCEPT): _move(S.CONFIRMED, HOST),
    (S.REQUESTED, A.DECLINE): _move(S.DECLINED, HOST),
    (S.REQUESTED, A.COUNTER): _move(S.COUNTER_PROPOSED, HOST),
    (S.REQUESTED, A.CANCEL): _move(S.CANCELLED, VISITING, DISTRICT),
    (S.COUNTER_PROPOSED, A.ACCEPT): _move(S.CONFIRMED, VISITING),
    (S.COUNTER_PROPOSED, A.DECLINE): _move(S.DECLINED, VISITING),
    (S.COUNTER_PROPOSED, A.CANCEL): _move(S.CANCELLED, VISITING, HOST, DISTRICT),
    (S.CONFIRMED, A.CANCEL): _move(S.CANCELLED, VISITING, HOST, DISTRICT),
    (S.CONFIRMED, A.COMPLETE): _move(S.COMPLETED, VISITING, HOST),
    (S.COMPLETED, A.REPORT): _move(S.REPORTED, VISITING_TEAM),
}
# Moves that need words or dates, and so a form of their own.
NEEDS_NOTE = frozenset({A.DECLINE})
NEEDS_DATES = frozenset({A.COUNTER})
# States in which the visit happened (for the facility profile).
DONE_STATES = frozenset({S.COMPLETED, S.REPORTED})


def timing_ok(visit: ExchangeVisit, action: str) -> bool:
    """A visit is marked as done once it has started."""
    if action == VisitAction.COMPLETE:
        return timezone.now() >= visit.starts_at
    return True
