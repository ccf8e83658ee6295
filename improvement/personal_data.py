"""What the improvement app holds about a member (``community.personal_data``).

Projects, PDSA cycles and measurements are a facility team's shared record: when a
member leaves they stay, with "entered by" and "created by" emptied. Spreadsheet
imports (the uploaded file included) are the member's own and go with the account.
"""

from community.personal_data import Part, rows

from .models import ImportJob, Measurement, PDSACycle, Project


def export(user) -> dict[str, list[dict]]:
    return {
        "projects_you_created": rows(
            Project.objects.filter(created_by=user),
            "facility__name",
            "title",
            "aim_what",
            "created_at",
        ),
        "project_teams": rows(user.qi_projects.all(), "facility__name", "title"),
        "pdsa_cycles_you_wrote": rows(
            PDSACycle.objects.filter(created_by=user),
            "change_idea__title",
            "number",
            "plan",
            "prediction",
            "do_notes",
            "study",
            "act",
            "created_at",
        ),
        "measurements_you_entered": rows(
            Measurement.objects.filter(entered_by=user),
            "facility__name",
            "indicator__code",
            "period",
            "numerator",
            "denominator",
            "updated_at",
        ),
        "spreadsheet_imports": rows(
            ImportJob.objects.filter(created_by=user),
            "filename",
            "status",
            "created_at",
        ),
    }


def part() -> Part:
    return Part("improvement", export)
