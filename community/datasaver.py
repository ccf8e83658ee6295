"""Data saver: pictures wait for a tap, for members on slow or costly connections.

On when the member turned it on in their profile, or when their browser asks to save
data (the ``Save-Data: on`` request header that phones' data-saving modes send). The
member's choice is kept in their session when they sign in and when they save their
profile, as the time zone is (``community.zones``), so a page reads no profile to know
it. Pages ask with ``{% save_data as saving %}`` (``community_tags``).

What it changes: photos in visit reports become a "Show photo (84 KB)" disclosure
whose image the browser fetches only when it is opened (a lazy image in a closed
``<details>`` is not loaded, with or without JavaScript); decorative pictures (a
podcast's cover) are left out. Audio never preloads and documents show their size
before the download, for everyone.
"""

from __future__ import annotations

SESSION_KEY = "community_save_data"
_ATTR = "_community_save_data"


def browser_asks(request) -> bool:
    return request.headers.get("Save-Data", "").strip().lower() == "on"


def chosen(user) -> bool:
    """The member's own setting, from their profile."""
    from .models import Profile

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return bool(
        Profile.objects.filter(user=user).values_list("save_data", flat=True).first()
    )


def wanted(request) -> bool:
    """Whether this request's pages should save data. Kept on the request."""
    if request is None:
        return False
    cached = getattr(request, _ATTR, None)
    if cached is not None:
        return cached
    saving = browser_asks(request)
    user = getattr(request, "user", None)
    if not saving and user is not None and user.is_authenticated:
        session = getattr(request, "session", None)
        choice = session.get(SESSION_KEY) if session is not None else None
        if choice is None:
            # A session begun another way (an older one, a test's): read the
            # profile once and keep the choice, so later pages need not.
            choice = chosen(user)
            if session is not None:
                session[SESSION_KEY] = choice
        saving = bool(choice)
    setattr(request, _ATTR, saving)
    return saving


def remember(request, value: bool) -> None:
    """After a profile save: this session's pages follow the new choice at once."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = bool(value)
    if hasattr(request, _ATTR):
        delattr(request, _ATTR)


def signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the session starts with the member's choice."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = chosen(user)
