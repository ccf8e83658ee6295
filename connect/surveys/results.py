"""Survey results as counts of groups, never of people.

Respondents are split once, the same way for everyone who reads results:

1. by district. A district with fewer than ``COMMUNITY["MIN_GROUP_SIZE"]`` respondents
   goes into "Other districts"; if that group would still be smaller than the minimum,
   the smallest shown district joins it, until it is not. Members without a district
   (the national team, say) are a group of their own, folded the same way.
2. inside each district shown, by facility, folded the same way into "Other facilities
   in <district>". A folded district is not split further.

Every page, table and file shows parts of this one split, so no group smaller than the
minimum can be found by subtracting one shown number from another: every group a
reader can see, or compute from two they can see, holds at least the minimum.

When fewer than the minimum have answered at all, nothing is shown.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from community.conf import setting as community_setting
from community.models import Organisation

from .models import (
    Survey,
    SurveyAnswer,
    SurveyChoice,
    SurveyQuestion,
    SurveyResponse,
)

OTHER = "other"
NONE = None


def min_group() -> int:
    return community_setting("MIN_GROUP_SIZE")


def fold(sizes: dict, minimum: int) -> tuple[list, set] | None:
    """Split group keys into those shown alone and those folded together.

    Returns ``(shown, folded)`` with every shown group and the folded group (if not
    empty) at least ``minimum``; ``None`` when all groups together are fewer."""
    if sum(sizes.values()) < minimum:
        return None
    shown = sorted(
        (key for key, n in sizes.items() if n >= minimum),
        key=lambda key: (sizes[key], str(key)),
    )
    folded = {key for key, n in sizes.items() if 0 < n < minimum}
    folded_n = sum(sizes[key] for key in folded)
    while 0 < folded_n < minimum:
        key = shown.pop(0)
        folded.add(key)
        folded_n += sizes[key]
    return shown, folded


@dataclass
class Row:
    key: object
    label: str
    respondents: int
    counts: dict[int, int] = field(default_factory=dict)
    folded: bool = False
    organisation: Organisation | None = None

    def count(self, choice_id: int) -> int:
        return self.counts.get(choice_id, 0)

    def values(self, choices) -> list[int]:
        return [self.count(choice.pk) for choice in choices]


@dataclass
class Results:
    survey: Survey
    questions: list[SurveyQuestion]
    respondents: int
    minimum: int
    shown: bool
    total: Row | None = None
    districts: list[Row] = field(default_factory=list)
    # district pk -> its facility rows; only for districts shown alone.
    facilities: dict[int, list[Row]] = field(default_factory=dict)

    def facility_rows(self, district) -> list[Row] | None:
        return self.facilities.get(district.pk) if district else None

    @property
    def split_districts(self) -> list[Row]:
        return [row for row in self.districts if row.organisation is not None]


def _rows(
    sizes: dict, counts: dict, minimum: int, labels, other_label: str
) -> list[Row]:
    split = fold(sizes, minimum)
    if split is None:
        return []
    shown, folded = split
    rows = []
    for key in sorted(shown, key=lambda k: labels(k)[0].lower()):
        label, organisation = labels(key)
        rows.append(
            Row(
                key=key,
                label=label,
                respondents=sizes[key],
                counts=dict(counts.get(key, {})),
                organisation=organisation,
            )
        )
    if folded:
        merged: dict[int, int] = defaultdict(int)
        for key in folded:
            for choice_id, n in counts.get(key, {}).items():
                merged[choice_id] += n
        rows.append(
            Row(
                key=OTHER,
                label=other_label,
                respondents=sum(sizes[key] for key in folded),
                counts=dict(merged),
                folded=True,
            )
        )
    return rows


def tally(survey: Survey) -> Results:
    """The one split of ``survey``'s respondents: four grouped queries, whatever the
    number of respondents."""
    minimum = min_group()
    questions = list(
        survey.questions.prefetch_related(
            Prefetch("choices", queryset=SurveyChoice.objects.select_related("need"))
        )
    )
    responses = SurveyResponse.objects.filter(survey=survey)
    sizes: dict[tuple, int] = {
        (row["district_id"], row["facility_id"]): row["n"]
        for row in responses.values("district_id", "facility_id").annotate(
            n=Count("pk")
        )
    }
    counts: dict[tuple, dict[int, int]] = defaultdict(dict)
    for row in (
        SurveyAnswer.objects.filter(response__survey=survey)
        .values("response__district_id", "response__facility_id", "choice_id")
        .annotate(n=Count("pk"))
    ):
        key = (row["response__district_id"], row["response__facility_id"])
        counts[key][row["choice_id"]] = row["n"]
    respondents = sum(sizes.values())
    results = Results(
        survey=survey,
        questions=questions,
        respondents=respondents,
        minimum=minimum,
        shown=respondents >= minimum,
    )
    if not results.shown:
        return results
    orgs = Organisation.objects.in_bulk(
        {pk for key in sizes for pk in key if pk is not None}
    )

    by_district_sizes: dict = defaultdict(int)
    by_district_counts: dict = defaultdict(lambda: defaultdict(int))
    for (district_id, _facility_id), n in sizes.items():
        by_district_sizes[district_id] += n
    for (district_id, _facility_id), choice_counts in counts.items():
        for choice_id, n in choice_counts.items():
            by_district_counts[district_id][choice_id] += n

    def district_label(key):
        if key is NONE:
            return _("Members without a district"), None
        org = orgs.get(key)
        return (org.name if org else _("A former district")), org

    results.districts = _rows(
        by_district_sizes,
        by_district_counts,
        minimum,
        district_label,
        _("Other districts"),
    )
    total_counts: dict[int, int] = defaultdict(int)
    for choice_counts in by_district_counts.values():
        for choice_id, n in choice_counts.items():
            total_counts[choice_id] += n
    results.total = Row(
        key="all",
        label=_("All who answered"),
        respondents=respondents,
        counts=dict(total_counts),
    )

    for row in results.split_districts:
        district = row.organisation
        facility_sizes = {
            facility_id: n
            for (district_id, facility_id), n in sizes.items()
            if district_id == district.pk
        }
        facility_counts = {
            facility_id: choice_counts
            for (district_id, facility_id), choice_counts in counts.items()
            if district_id == district.pk
        }

        def facility_label(key):
            if key is NONE:
                return _("District staff and members without a facility"), None
            org = orgs.get(key)
            return (org.name if org else _("A former facility")), org

        results.facilities[district.pk] = _rows(
            facility_sizes,
            facility_counts,
            minimum,
            facility_label,
            _("Other facilities in %(district)s") % {"district": district.name},
        )
    return results
