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
