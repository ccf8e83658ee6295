"""Import monthly measurements from a CSV (a DHIS2 pivot export) on the command line.

    manage.py import_measurements data.csv --user qi.member@example.org --dry-run

The same checks as the web import: the user's rights decide which facilities' rows are
accepted, and every refused row is reported with its line number.
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from improvement import importer, services


class Command(BaseCommand):
    help = "Import measurements from a CSV file (org unit, period, indicator, numerator, denominator)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--user", required=True, help="Email of the member the rows are entered as."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check every row, write nothing."
        )

    def handle(self, *args, path: Path, user: str, dry_run: bool, **options):
        member = get_user_model().objects.filter(email__iexact=user).first()
        if member is None:
            raise CommandError(f"No user with the email {user}.")
        try:
            content = importer.decode(path.read_bytes())
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error}") from error
        try:
            total, _rows = importer.read_rows(content)
        except importer.HeaderError as error:
            raise CommandError(str(error)) from error
        # Runs here, not in the task queue: the terminal shows the progress.
        from improvement.models import ImportJob

        job = ImportJob.objects.create(
            created_by=member,
            filename=path.name,
            content=content,
            dry_run=dry_run,
            total_rows=total,
        )
        job = services.import_job_run(job=job, progress=self._progress)
        self.stdout.write("")
        if job.status != "done":
            raise CommandError(job.message or "The import failed.")
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            f"{job.created_count} new, {job.updated_count} replaced, "
            f"{job.unchanged_count} unchanged rows {verb} written; "
            f"{job.error_count} rows with errors."
        )
        for error in job.errors:
            self.stdout.write(f"  row {error['row']}: {' '.join(error['messages'])}")
        if job.error_count > len(job.errors):
            self.stdout.write(f"  … and {job.error_count - len(job.errors)} more.")
        if job.error_count:
            self.stdout.write(self.style.WARNING("Some rows were refused."))
        else:
            self.stdout.write(self.style.SUCCESS("All rows are valid."))

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stdout.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rows", ending=""
        )
        self.stdout.flush()
