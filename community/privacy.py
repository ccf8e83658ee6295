"""Learning, not monitoring: counts of people are shown only from a group size up.

Below ``COMMUNITY["MIN_GROUP_SIZE"]`` (5) a count of people is shown as "a few": in a
small group a number can point at a person (who was in the room, who needs help).
Zero stays zero, which points at nobody.
"""

from .conf import setting


def people_count(n: int) -> int | None:
    """``n`` when it is 0 or at least the minimum group size, otherwise ``None``."""
    return n if n == 0 or n >= setting("MIN_GROUP_SIZE") else None
