from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from community.conf import setting

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = value
    return params.urlencode()


@register.simple_tag
def code_of_conduct_link() -> str:
    """The link every compose form carries: what we write here follows the code."""
    return format_html(
        '<p class="muted coc">{} <a href="{}">{}</a></p>',
        _("Before you post, remember our"),
        setting("CODE_OF_CONDUCT_URL"),
        _("code of conduct"),
    )


@register.simple_tag(takes_context=True)
def site_nav(context) -> list:
    """The main navigation the installed plugins contribute (``NAV_HOOK``)."""
    from community.sections import nav_items

    request = context.get("request")
    return nav_items(request) if request is not None else []


@register.simple_tag(takes_context=True)
def save_data(context) -> bool:
    """``{% save_data as saving %}``: whether pictures should wait for a tap on this
    request's page (``community.datasaver``)."""
    from community import datasaver

    return datasaver.wanted(context.get("request"))


@register.simple_tag
def page_weight() -> str:
    """Where the page's weight goes (filled in by ``PageWeightMiddleware``)."""
    from django.utils.safestring import mark_safe

    from community.middleware import PAGE_WEIGHT_MARK

    return mark_safe(PAGE_WEIGHT_MARK.decode())  # noqa: S308 - a fixed comment


@register.inclusion_tag("community/offline/head.html", takes_context=True)
def offline_head(context) -> dict:
    """The installable app and its offline script, for the host's ``<head>``: the
    manifest, and ``offline.js`` told whose page this is (``community.offline``)."""
    import json

    from django.urls import reverse

    from community.offline import member_key

    request = context.get("request")
    user = getattr(request, "user", None)
    strings = {
        "keptAs": _("Kept for offline (%s): remove"),
        "kept": _("Kept for offline (%s). Find it on the offline page."),
        "unkept": _("Removed from what you keep for offline."),
        "overCap": _(
            "Not kept: it would go over what this phone may keep for you. Remove "
            "something on the offline page first."
        ),
        "keepFailed": _("Could not keep it: check the network and try again."),
        "remove": _("Remove"),
        "nothingKept": _("Nothing kept yet."),
        "nothingRecent": _("No pages yet."),
        "usage": _("Kept on this phone: %1 of %2."),
        "kb": _("KB"),
        "mb": _("MB"),
    }
    if user is None or not user.is_authenticated:
        return {
            "member": "",
            "strings": json.dumps(strings, ensure_ascii=False),
            "cap_mb": setting("OFFLINE_CAP_MB"),
        }
    # What only a member writes, and so only a member's page needs: the outbox.
    strings |= {
        "outbox": _("Outbox"),
        "waiting": _("Waiting for the network: it goes when you are back online."),
        "sending": _("Sending…"),
        "signin": _("Sign in again to send it; it is kept on this phone."),
        "refused": _("Not sent. Open it to see why:"),
        "saved": _(
            "No network: your message is saved in your outbox on this phone and "
            "will be sent when you are back online."
        ),
        "sent": _("Sent: %s"),
        "discard": _("Discard"),
        "discardConfirm": _("Discard this unsent message? It cannot be brought back."),
        "signOutConfirm": _(
            "%s messages are not sent yet. Sign out and discard them from this phone?"
        ),
    }
    return {
        "member": member_key(user),
        "strings": json.dumps(strings, ensure_ascii=False),
        "cap_mb": setting("OFFLINE_CAP_MB"),
        "logout_url": reverse("account_logout"),
    }


@register.inclusion_tag("community/offline/keep.html")
def keep_for_offline(*also) -> dict:
    """A "Keep for offline" button (shown by ``offline.js`` where it can work) that
    keeps this page and the files in ``also``: addresses, or lists of things with a
    ``url`` or a ``document`` (a resource's attachments)."""
    urls = []
    for given in also:
        for item in [given] if isinstance(given, str) else given or ():
            item = getattr(item, "document", item)
            urls.append(item if isinstance(item, str) else getattr(item, "url", ""))
    return {"also": " ".join(url for url in urls if url)}
