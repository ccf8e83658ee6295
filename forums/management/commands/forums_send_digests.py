from django.core.management.base import BaseCommand

from forums.digest import send_due_digests
from forums.tasks import send_digests


class Command(BaseCommand):
    help = (
        "Send forum digests that are due (run hourly: each member gets theirs at "
        "FORUMS['DIGEST_HOUR'] in their own time zone)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Ignore the local hour and weekday."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work for the task worker instead of sending now.",
        )

    def handle(self, *args, **options):
        if options["enqueue"]:
            result = send_digests.enqueue(force=options["force"])
            self.stdout.write(f"Queued digest task {result.id}.")
            return
        sent = send_due_digests(force=options["force"])
        self.stdout.write(f"Sent {sent} digest(s).")
