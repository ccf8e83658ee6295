"""Print a new VAPID key pair for notifications on phones (``community.push``)."""

from django.core.management.base import BaseCommand
from django.test import override_settings

from community import push


class Command(BaseCommand):
    help = (
        "Print a new VAPID private key (for PUSH_VAPID_PRIVATE_KEY) and its public key."
    )

    def handle(self, *args, **options):
        private = push.new_private_key()
        with override_settings(COMMUNITY={"PUSH_VAPID_PRIVATE_KEY": private}):
            public = push.public_key()
        self.stdout.write(f"PUSH_VAPID_PRIVATE_KEY={private}\n")
        self.stdout.write(
            f"# public (browsers subscribe with it; the site shows it): {public}\n"
        )
