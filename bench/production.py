"""The production settings, as a deployment runs them, for benchmarks on one machine.

Only what a benchmark must change is changed, and each change says why:
- a secret key (one for every process of a run) and allowed hosts are made up
  (production refuses to start without);
- no redirect to HTTPS: the workers are reached directly, with no TLS proxy in front;
- the chat rate limit is lifted: one writer plays a whole room's senders.
Everything else (cache and channel layer on Redis, PostgreSQL with its pool, the
watch's two-second tick, logging) is what a deployment gets.
"""

import os

from bench import BENCH_SECRET_KEY

# One made-up key for every process of a run (``bench.compare`` sets it for the seed
# too): sessions and CSRF tokens are signed with it, and two workers with keys of
# their own would each refuse the other's (a signed-in benchmark measured visitors).
os.environ.setdefault("DJANGO_SECRET_KEY", BENCH_SECRET_KEY)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")

from cop_site.settings.production import *  # noqa: E402, F403

SECURE_SSL_REDIRECT = False
# The defaults of ``moderation.conf`` but chat.
MODERATION = {
    "RATE_LIMITS": {
        "thread": "5/3600",
        "post": "30/3600",
        "chat": "1000000/10",
        "flag": "20/3600",
    }
}
