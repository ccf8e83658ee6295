from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext

from . import permissions, zones

_ALWAYS_ALLOWED = ("/accounts/", "/static/", "/i18n/", "/healthz", "/media/")


class RequireMFAMiddleware:
    """Moderators and editors set up two-factor authentication before anything else.

    The rule (who, and whether the host enforces it) lives in the capability map; this
    only sends them to allauth's TOTP set-up page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and permissions.mfa_pending(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)


class ReaderZoneMiddleware:
    """Times on every page in the reader's zone (the rule is ``community.zones``).

    The zone is activated lazily: a request that prints no time looks nothing up, and
    one that does reads the member's choice from the session (loaded already to know
    who they are) and their organisation's from the memberships the capability map
    loads, not the profile.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zones.recall_choice(request)
        timezone.activate(zones.LazyZone(lambda: zones.reader_zone(user)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


PAGE_WEIGHT_MARK = b"<!--community:page-weight-->"


class PageWeightMiddleware:
    """The page's own weight in its footer, for the curious on a costly connection:
    ``{% page_weight %}`` (``community_tags``) leaves a mark that this fills in with
    the size of the HTML as sent, the line itself included. Pages without the mark,
    and streamed ones, pass untouched; a page kept whole for visitors
    (``community.pagecache``) is filled the same way on each answer, so its ETag
    still describes it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            response.status_code != 200
            or response.streaming
            or "text/html" not in response.get("Content-Type", "")
        ):
            return response
        content = response.content
        at = content.find(PAGE_WEIGHT_MARK)
        if at < 0:
            return response
        rest = len(content) - len(PAGE_WEIGHT_MARK)
        # The line counts itself, and its length can move its own figure: settle it.
        line = _weight_line(rest)
        for _ in range(3):
            settled = _weight_line(rest + len(line))
            if settled == line:
                break
            line = settled
        response.content = content[:at] + line + content[at + len(PAGE_WEIGHT_MARK) :]
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(response.content))
        return response


def _weight_line(size: int) -> bytes:
    text = gettext("This page: %(size)s before compression") % {
        "size": filesizeformat(size)
    }
    return f'<span class="page-weight">{escape(text)}</span>'.encode()


class RateLimitedMiddleware:
    """allauth refuses a code past its limits (``ACCOUNT_RATE_LIMITS``) by raising
    ``RateLimited`` from wherever the code is sent; some of its own views (a
    sign-up whose number is texted, a number changed while verifying it) leave it
    to become a server error. Here it becomes a 429 page that says what happened
    and what to do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from allauth.core.exceptions import RateLimited
        from django.template.response import TemplateResponse

        if not isinstance(exception, RateLimited):
            return None
        response = TemplateResponse(request, "429.html", status=429)
        response["Retry-After"] = "60"
        return response.render()
