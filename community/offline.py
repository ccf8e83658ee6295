"""The installable app: its manifest, its service worker and the offline page.

What works without a network, and who may see it on a shared phone:

- The service worker (``templates/community/offline/sw.js``, served at the scope of
  the whole site) keeps the pages a member opens, the last few of them, and answers
  from them when the network is gone; anything else gets the offline page. It keeps
  nothing sent with ``Cache-Control: no-store`` and nothing under the sign-in or
  admin paths.
- ``static/community/offline.js`` keeps what a member asks to keep ("Keep for
  offline", with its documents, up to ``OFFLINE_CAP_MB``), lists it on the offline
  page, and holds the outbox: a reply, a new thread or a chat message written
  without a network waits on the phone and is sent when the network is back, under
  the ``client_id`` that makes a second send harmless.
- Whose pages these are: every HTML answer names its reader in ``X-Cop-Member``, an
  opaque key (not the member's id). When it changes (sign-out, another member signs
  in) the service worker empties the kept and recent pages before it keeps any more,
  and the page's script does so at sign-out too. Nothing of a member goes to a cache
  another member's browser reads: the shell cache holds static files and the offline
  page fetched without cookies.
"""

import contextlib
import hashlib
import json
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from .conf import setting

MEMBER_HEADER = "X-Cop-Member"
# Sent by the outbox: a redirect comes back as 204 with its target in LOCATION_HEADER,
# so the script can tell "stored" from "refused" and go to the new post itself.
OUTBOX_HEADER = "X-Cop-Outbox"
LOCATION_HEADER = "X-Cop-Location"
SIGN_IN_HEADER = "X-Cop-Sign-In"
REDIRECTS = (301, 302, 303)


def member_key(user) -> str:
    """Who the page is for, as the phone may know it: stable for one member, the
    same for every visitor (empty), and saying nothing of the account behind it."""
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("community.offline.member", str(user.pk)).hexdigest()[:20]


class OfflineMiddleware:
    """Names the reader of each HTML page for the service worker, and turns an
    outbox send's redirect into an answer its script can read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get(OUTBOX_HEADER) and response.status_code in REDIRECTS:
            sent = HttpResponse(status=204)
            sent[LOCATION_HEADER] = response["Location"]
            # Sent to sign in (the session ended while the phone was offline): the
            # outbox keeps the message until the member is back.
            login = resolve_url(settings.LOGIN_URL)
            if urlsplit(response["Location"]).path == urlsplit(login).path:
                sent[SIGN_IN_HEADER] = "1"
            sent["Cache-Control"] = "private, no-store"
            return sent
        if "text/html" in response.get("Content-Type", ""):
            response[MEMBER_HEADER] = member_key(getattr(request, "user", None))
        return response


def _not_kept_prefixes() -> list[str]:
    """Paths whose pages are never kept: signing in and out, and the admin."""
    prefixes = [reverse("account_login").rsplit("/", 2)[0] + "/"]
    with contextlib.suppress(NoReverseMatch):  # a host without Wagtail's admin URLs
        prefixes.append(reverse("wagtailadmin_home"))
    return prefixes


def _worker_source() -> str:
    context = {
        "offline_url": json.dumps(reverse("community:offline")),
        "static_url": json.dumps(settings.STATIC_URL),
        "not_kept": json.dumps(_not_kept_prefixes()),
        "recent": int(setting("OFFLINE_RECENT_PAGES")),
        "member_header": json.dumps(MEMBER_HEADER),
        "icon": json.dumps(static("community/icons/icon-192.png")),
    }
    body = render_to_string("community/offline/sw.js", context)
    # A new version whenever what it precaches or does changes: the browser then
    # installs it and the old shell cache goes.
    version = hashlib.sha256(body.encode()).hexdigest()[:12]
    return body.replace("__VERSION__", version)


@require_GET
def service_worker(request):
    """The same script for everyone (it carries nothing of the reader), allowed to
    look after the whole site although it is served under the plugin's prefix."""
    response = HttpResponse(
        _worker_source(), content_type="text/javascript; charset=utf-8"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
@cache_control(max_age=86400, public=True)
def manifest(request):
    icon = "community/icons/icon-{}.png"
    data = {
        "name": _("National learning centre"),
        "short_name": _("Learning centre"),
        "description": _(
            "Learning together for quality of care: forums, events and a library."
        ),
        "lang": request.LANGUAGE_CODE if hasattr(request, "LANGUAGE_CODE") else "en",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5e55",
        "icons": [
            {"src": static(icon.format(192)), "sizes": "192x192", "type": "image/png"},
            {"src": static(icon.format(512)), "sizes": "512x512", "type": "image/png"},
            {
                "src": static(icon.format("maskable")),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
def offline_page(request):
    """What a member reads when the network is gone: what they kept, what they
    opened recently, what waits in their outbox. The list is the phone's own, so the
    script draws it; without a script the page says what it would show."""
    return render(
        request,
        "community/offline/offline.html",
        {"cap_mb": setting("OFFLINE_CAP_MB")},
    )
