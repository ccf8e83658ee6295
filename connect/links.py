"""Answer links: a URL that must point at a page of this site.

An answer names what the national team made (a webinar, a resource, a case study, a
thread). Storing a checked site-relative path, plus the object behind it when it can
be found, keeps answers working whether or not the app that made the target is
installed, and never sends members off-site.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from wagtail.models import Page, Site


@dataclass
class CheckedLink:
    path: str
    title: str = ""
    content_type: ContentType | None = None
    object_id: int | None = None


def _site_hosts() -> set[str]:
    hosts = {site.hostname.lower() for site in Site.objects.all()}
    base = urlsplit(getattr(settings, "WAGTAILADMIN_BASE_URL", "") or "")
    if base.hostname:
        hosts.add(base.hostname.lower())
    hosts.update(
        host.lower()
        for host in getattr(settings, "ALLOWED_HOSTS", [])
        if host not in ("*", "") and not host.startswith(".")
    )
    return hosts


def _page_for(path: str) -> Page | None:
    """The live, public page served at ``path`` in any language tree."""
    suffix = path.strip("/")
    for site in Site.objects.select_related("root_page"):
        roots = site.root_page.get_translations(inclusive=True)
        for root in roots:
            url_path = root.url_path + (suffix + "/" if suffix else "")
            page = Page.objects.live().public().filter(url_path=url_path).first()
            if page is not None:
                return page
    return None


def check_site_link(url: str, *, extra_hosts: tuple[str, ...] = ()) -> CheckedLink:
    """Raise ``ValidationError`` unless ``url`` is a page of this site."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(_("Link to a page of this site."))
        if parts.hostname.lower() not in _site_hosts() | {
            h.lower() for h in extra_hosts
        }:
            raise ValidationError(_("Link to a page of this site, not another site."))
    path = parts.path or "/"
    if not path.startswith("/") or path.startswith("//"):
        raise ValidationError(_("Link to a page of this site."))
    if parts.query:
        path = f"{path}?{parts.query}"
    if parts.fragment:
        path = f"{path}#{parts.fragment}"
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        raise ValidationError(_("No page of this site has that address.")) from None
    if match.url_name == "wagtail_serve":
        page = _page_for(parts.path)
        if page is None:
            raise ValidationError(_("No published page of this site has that address."))
        specific = page.specific
        return CheckedLink(
            path=path,
            title=specific.title,
            content_type=ContentType.objects.get_for_model(type(specific)),
            object_id=specific.pk,
        )
    target = _object_for(match, parts.path)
    if target is not None:
        return CheckedLink(
            path=path,
            title=str(target)[:200],
            content_type=ContentType.objects.get_for_model(type(target)),
            object_id=target.pk,
        )
    return CheckedLink(path=path)


def _object_for(match, path: str):
    """The object a detail URL shows (an event, a thread), found without knowing its
    app: a model of the URL's app whose ``get_absolute_url()`` is this path."""
    pk = match.kwargs.get("pk")
    if pk is None or not match.app_name:
        return None
    try:
        config = apps.get_app_config(match.app_name)
    except LookupError:
        return None
    for model in config.get_models():
        if not hasattr(model, "get_absolute_url"):
            continue
        obj = model._default_manager.filter(pk=pk).first()
        if obj is not None and obj.get_absolute_url() == path:
            return obj
    return None


def link_for_object(obj) -> CheckedLink:
    """An answer link for an object we hold (an event, a thread, a page)."""
    if isinstance(obj, Page):
        specific = obj.specific
        return CheckedLink(
            path=specific.get_url() or specific.url_path,
            title=specific.title,
            content_type=ContentType.objects.get_for_model(type(specific)),
            object_id=specific.pk,
        )
    return CheckedLink(
        path=obj.get_absolute_url(),
        title=str(obj),
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=obj.pk,
    )
