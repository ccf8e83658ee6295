from django import template
from django.utils.safestring import mark_safe

from community.text import render

register = template.Library()


@register.filter
def markdown(source: str) -> str:
    """User text through the suite's one pipeline (Markdown, then an allow-list)."""
    return mark_safe(render(source))  # noqa: S308 - render() sanitises
