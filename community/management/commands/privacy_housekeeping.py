"""Daily: erase the accounts whose grace period is over, remove sign-ups never
finished, and clear expired sessions.

Run by deploy/'s ``learn-prune`` timer; safe to run at any time and more than once.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from community import personal_data


class Command(BaseCommand):
    help = (
        "Erase accounts due for deletion, remove unfinished sign-ups and clear "
        "expired sessions."
    )

    def handle(self, *args, **options):
        erased = personal_data.erase_due_accounts()
        unfinished = personal_data.remove_unfinished_signups()
        call_command("clearsessions")
        self.stdout.write(
            f"{erased} account(s) erased; {unfinished} unfinished sign-up(s) "
            "removed; expired sessions cleared"
        )
