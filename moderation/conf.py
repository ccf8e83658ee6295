"""The content policy: thresholds, weights, patterns and rate limits.

Read from ``settings.MODERATION`` over these defaults, so a host tunes the policy
without touching code.
"""

from typing import Any

from community.conf import read_setting

DEFAULTS: dict[str, Any] = {
    # A flagged item is hidden pending review once its flags weigh this much.
    "HIDE_THRESHOLD": 3.0,
    # A flag's weight by the flagger's standing.
    "FLAG_WEIGHTS": {"new": 0.5, "member": 1.0, "established": 1.5, "steward": 3.0},
    # Members younger than this, or with fewer posts, are "new".
    "NEW_MEMBER_DAYS": 7,
    "ESTABLISHED_MEMBER_DAYS": 90,
    # Patterns that may identify a patient: posts matching them wait for review.
    "PATIENT_IDENTIFIER_PATTERNS": [
        r"(?<!\d)(?:\+?\d[\d\s().-]{8,}\d)(?!\d)",  # phone numbers
        r"\b(?:MRN|IP|OPD|ANC|reg(?:istration)?)\s*(?:no\.?|number|#)?\s*[:#]?\s*\d{4,}\b",
        r"\bbed\s*(?:no\.?|number)?\s*\d+\b.*\b(?:mrs|ms|mr)\.?\s+[A-Z]",
    ],
    # Rate limits, "count/seconds", per user and per IP address.
    "RATE_LIMITS": {
        "thread": "5/3600",
        "post": "30/3600",
        "chat": "5/10",
        "flag": "20/3600",
    },
    "IP_RATE_LIMIT_FACTOR": 4,
    # Where a member writes to ask the moderators to look again at a decision; every
    # decision notice gives it. Empty: the notice points to the code of conduct only.
    "CONTACT_EMAIL": "",
}


def setting(name: str) -> Any:
    return read_setting("MODERATION", DEFAULTS, name)
