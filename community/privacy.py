"""Learning, not monitoring: counts of people are shown only from a group size up.

Below ``COMMUNITY["MIN_GROUP_SIZE"]`` (5) a count of people is shown as "a few": in a
small group a number can point at a person (who was in the room, who needs help).
Zero stays zero, which points at nobody.
"""

import re
import unicodedata

from .conf import setting


def people_count(n: int) -> int | None:
    """``n`` when it is 0 or at least the minimum group size, otherwise ``None``."""
    return n if n == 0 or n >= setting("MIN_GROUP_SIZE") else None


# What anonymous authors are called (forums: "Colleague B", "Anonymous member"; events:
# "Anonymous participant"), in every language the suite speaks, once letters are
# folded to plain lower case and everything else is dropped. A display name must not
# pass for one of them, or a member could speak "anonymously" under their own name, or
# make an alias's words look like theirs.
_RESERVED = re.compile(
    r"^(?:an?|un|une)?(?:colleague|collegue)[a-z]{0,3}$"
    r"|anonym"
    r"|^(?:former|ancien|ancienne)(?:member|membre)$"
)


def _folded(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed.casefold() if c.isalpha() and c.isascii())


def imitates_an_alias(name: str) -> bool:
    """Would this display name be mistaken for an anonymous author's alias?"""
    folded = _folded(name)
    return bool(folded) and bool(_RESERVED.search(folded))
