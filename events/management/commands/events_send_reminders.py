"""Send the event reminders that are due (run every few minutes by cron or a timer).

With a task backend that defers (``run_after``), reminders are queued when people
register; this command is then only a safety net. Sending twice is never possible: each
reminder records the start time it was sent for.
"""

from django.core.management.base import BaseCommand

from events.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send the event reminders (24 hours and 1 hour before) that are due."

    def handle(self, *args, **options):
        sent = send_due_reminders()
        self.stdout.write(f"{sent} reminder(s) sent.")
