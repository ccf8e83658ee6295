"""Fetch the external feeds of the global developments and partner pages (cron: hourly).

manage.py fetch_feeds          # queue one task per active feed (db_worker runs them)
manage.py fetch_feeds --now    # fetch here and now, and print each feed's status
"""

from django.core.management.base import BaseCommand

from connect.aggregator import feed_fetch
from connect.models import ExternalFeed
from connect.tasks import fetch_feeds


class Command(BaseCommand):
    help = "Fetch the external RSS/Atom feeds editors configured."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="fetch in this process")

    def handle(self, *args, **options):
        if not options["now"]:
            fetch_feeds.enqueue()
            self.stdout.write("Feeds queued.")
            return
        for feed in ExternalFeed.objects.filter(active=True):
            feed_fetch(feed=feed)
            detail = feed.status_message or f"{feed.item_count} items"
            self.stdout.write(f"{feed.name}: {feed.get_status_display()} ({detail})")
