"""The one rule for the language a member is written to in (emails, reminders,
notifications on the phone): their profile's, else the site's."""

from django.conf import settings


def member_language(user) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE
