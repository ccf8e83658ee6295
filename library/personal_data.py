"""What the library holds about a member (``community.personal_data``).

Their newsletter subscription (it goes with the account: the foreign key cascades)
and the case studies they submitted, which are the library's published record and
stay, with "submitted by" emptied.
"""

from community.personal_data import Part, rows

from .models.case_studies import CaseStudyPage
from .models.newsletters import Subscriber


def export(user) -> dict[str, list[dict]]:
    return {
        "newsletter_subscription": rows(
            Subscriber.objects.filter(user=user),
            "email",
            "status",
            "language",
            "created",
            "confirmed_at",
        ),
        "case_studies_you_submitted": rows(
            CaseStudyPage.objects.filter(submitted_by=user),
            "title",
            "first_published_at",
        ),
    }


def part() -> Part:
    return Part("library", export)
