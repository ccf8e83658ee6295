"""Load the indicator catalogue from a CSV (by default the one this app ships)."""

from django.core.management.base import BaseCommand

from improvement.services import indicators_load


class Command(BaseCommand):
    help = "Load maternal and newborn quality-of-care indicators into the catalogue."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default=None)
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite entries that already exist (the national team's edits).",
        )

    def handle(self, *args, path=None, update=False, **options):
        created, updated = indicators_load(path=path, update=update)
        self.stdout.write(f"{created} indicators added, {updated} updated.")
