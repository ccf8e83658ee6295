"""``manage.py restore ARCHIVE``: a backup back into an empty site."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from community import backup


class Command(BaseCommand):
    help = (
        "Check a backup's checksums, then restore its database and uploaded files into"
        " this site's (empty) database and MEDIA_ROOT. Run `migrate` after it."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "archive", help="The .tar.gz that `manage.py backup` wrote."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Overwrite a database and MEDIA_ROOT that already hold data.",
        )
        parser.add_argument(
            "--check-only",
            action="store_true",
            help="Only check the archive against its checksums; restore nothing.",
        )

    def handle(self, *args, archive, replace, check_only, **options):
        path = Path(archive)
        if not path.is_file():
            raise CommandError(f"No such archive: {archive}")
        try:
            if check_only:
                manifest = backup.verify(path)
                verb = "checked"
            else:
                manifest = backup.restore(path, replace=replace)
                verb = "restored"
        except backup.BackupError as error:
            raise CommandError(str(error)) from error
        count = len(manifest["files"])
        self.stdout.write(
            f"{path.name} {verb}: {count} files, made {manifest['created']}"
            f" from a {manifest['engine']} database."
        )
