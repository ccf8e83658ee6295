"""Read replies from a Maildir and post them (``forums.inbound``).

Run it from the mail server's delivery (or a timer): new messages are read, turned
into posts or refused with a reply, and moved to ``cur`` marked seen. A message read
twice is still one post (its Message-ID is the post's client id).
"""

import mailbox

from django.core.management.base import BaseCommand

from forums import inbound


class Command(BaseCommand):
    help = "Post the replies waiting in a Maildir's new/ folder."

    def add_arguments(self, parser):
        parser.add_argument("maildir", help="the Maildir the reply domain delivers to")

    def handle(self, *args, maildir, **options):
        box = mailbox.Maildir(maildir, factory=None, create=False)
        counts: dict[str, int] = {}
        for key in list(box.iterkeys()):
            message = box[key]
            if message.get_subdir() != "new":
                continue
            outcome = inbound.receive(message.as_bytes())
            counts[outcome.status] = counts.get(outcome.status, 0) + 1
            message.set_subdir("cur")
            message.add_flag("S")
            box[key] = message
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(summary or "nothing new")
