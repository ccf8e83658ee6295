from django import template
from django.urls import reverse

from ..conf import absolute
from ..models import Kind

register = template.Library()


@register.filter
def kind_label(value: str) -> str:
    try:
        return Kind(value).label
    except ValueError:
        return value


@register.simple_tag
def full_url(path: str) -> str:
    return absolute(path)


@register.simple_tag
def library_feed_url() -> str:
    return reverse("library:feed")
