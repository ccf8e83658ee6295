"""The one rule for the language a member is written to in (emails, reminders,
notifications on the phone, texts): their profile's, else ``fallback`` (a text sent
while they sign up goes in the page's language), else the site's."""

from django.conf import settings


def member_language(user, fallback: str | None = None) -> str:
    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or fallback or settings.LANGUAGE_CODE
