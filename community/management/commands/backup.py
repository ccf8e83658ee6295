"""``manage.py backup``: the database and uploaded files in one checksummed archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from community import backup


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump's custom format, or SQLite's online backup) and"
        " every uploaded file into one timestamped .tar.gz, with a .sha256 beside it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            default="backups",
            help="Folder for the archive (created if missing). Default: ./backups",
        )

    def handle(self, *args, output, **options):
        try:
            archive = backup.create(Path(output))
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(str(archive))
