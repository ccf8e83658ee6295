"""What moderation holds about a member (``community.personal_data``).

The member's own flags, the notices moderators sent them and the sanctions on their
account. Decisions a member made as a moderator are the site's audit, not their
writing: they stay when the moderator leaves, without the moderator's name.
"""

from community.personal_data import Part, rows

from .models import Flag, Notice, Sanction


def export(user) -> dict[str, list[dict]]:
    return {
        "flags_you_raised": rows(
            Flag.objects.filter(flagger=user),
            "content_type__model",
            "object_id",
            "reason",
            "text",
            "created",
        ),
        "notices_to_you": rows(
            Notice.objects.filter(user=user), "text", "url", "created", "read"
        ),
        "sanctions_on_your_account": rows(
            Sanction.objects.filter(user=user),
            "kind",
            "alias_only",
            "decision__reason",
            "starts",
            "ends",
        ),
    }


def part() -> Part:
    return Part("moderation", export)
