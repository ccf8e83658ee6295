"""Seed the demo learning centre. Idempotent: a second run changes nothing.

Every installed app may ship a ``demo.py`` with ``seed(context)``; they run in
``INSTALLED_APPS`` order and share ``context`` (organisations, users, pages), except
that the host's pages (``home``) follow ``community`` at once: the plugins put their
pages under the home page, and a host lists its own apps after the suite's.
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.test.utils import override_settings

from community.conf import setting
from community.demo import demo_password


class Command(BaseCommand):
    help = "Create the demo learning centre (never in production)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true")

    def handle(self, *args, **options):
        if not setting("ALLOW_DEMO_SEED"):
            raise CommandError(
                "Demo data is disabled by these settings (COMMUNITY['ALLOW_DEMO_SEED'])."
            )
        context: dict = {}
        # The demo's emails (past newsletters, notices) are history, not news: they are
        # kept in memory rather than printed over the accounts list in the console.
        memory = "django.core.mail.backends.locmem.EmailBackend"
        with override_settings(EMAIL_BACKEND=memory), transaction.atomic():
            for config in _in_seed_order(apps.get_app_configs()):
                try:
                    module = import_module(f"{config.name}.demo")
                except ModuleNotFoundError as error:
                    if error.name != f"{config.name}.demo":
                        raise
                    continue
                module.seed(context)
        if not options["quiet_accounts"]:
            self.stdout.write(self.style.SUCCESS("Demo learning centre ready."))
            self.stdout.write(f"Demo accounts (password: {demo_password()}):")
            for email, role in context.get("accounts", []):
                label = role.label if role else "superuser (Wagtail admin at /admin/)"
                self.stdout.write(f"  {email:<32} {label}")


def _in_seed_order(configs) -> list:
    """``community`` (organisations and people), then the host's home page, then the
    rest in ``INSTALLED_APPS`` order."""
    first = {"community": 0, "home": 1}
    return sorted(configs, key=lambda config: first.get(config.name, 2))
