"""Opaque public ids: a keyed permutation of primary keys, for URLs and frames.

Site-wide sequential ids tell order: an anonymous post numbered between two named
posts is pinned to the seconds between them. Public ids here are the primary key
passed through a four-round Feistel network over 48 bits (HMAC-SHA256 rounds, keyed
from ``SECRET_KEY`` and a purpose), written in base 32: a bijection, so no column, no
migration and no lookup table, and a neighbour's id says nothing about order.

Django's path converters use it, so ``reverse("forums:thread", args=[pk])`` and
``{% url 'forums:thread' thread.pk %}`` give the opaque form, and views still receive
the integer. A plain number in the URL is refused (404).
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from django.conf import settings

_HALF = 24
_MASK = (1 << _HALF) - 1
_ROUNDS = 4
_LENGTH = 10  # base32 characters for 48 bits (50 bits, the top two always zero)
_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"


@lru_cache(maxsize=16)
def _keys(purpose: str, secret: str) -> tuple[bytes, ...]:
    root = hashlib.sha256(f"community.opaque:{purpose}:{secret}".encode()).digest()
    return tuple(hashlib.sha256(root + bytes([n])).digest() for n in range(_ROUNDS))


def _round(key: bytes, value: int) -> int:
    digest = hmac.new(key, value.to_bytes(3, "big"), hashlib.sha256).digest()
    return int.from_bytes(digest[:3], "big")


def encode(purpose: str, number: int) -> str:
    if not 0 <= number < 1 << (2 * _HALF):
        raise ValueError("out of range")
    left, right = number >> _HALF, number & _MASK
    for key in _keys(purpose, settings.SECRET_KEY):
        left, right = right, left ^ _round(key, right)
    value = (left << _HALF) | right
    digits = []
    for _ in range(_LENGTH):
        value, digit = divmod(value, 32)
        digits.append(_ALPHABET[digit])
    return "".join(reversed(digits))


def decode(purpose: str, text: str) -> int | None:
    if len(text) != _LENGTH:
        return None
    value = 0
    for char in text:
        digit = _ALPHABET.find(char)
        if digit < 0:
            return None
        value = value * 32 + digit
    if value >> (2 * _HALF):
        return None
    left, right = value >> _HALF, value & _MASK
    for key in reversed(_keys(purpose, settings.SECRET_KEY)):
        left, right = right ^ _round(key, left), left
    return (left << _HALF) | right


class OpaqueConverter:
    """A path converter: the URL shows the opaque id, the view gets the integer."""

    purpose = ""
    regex = f"[a-z2-7]{{{_LENGTH}}}"

    def to_python(self, value: str) -> int:
        number = decode(self.purpose, value)
        if number is None:
            raise ValueError("not an id of ours")
        return number

    def to_url(self, value) -> str:
        return encode(self.purpose, int(value))
