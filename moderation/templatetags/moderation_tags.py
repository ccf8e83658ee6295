"""Template helpers so content templates can link to flag and moderate forms."""

from django import template
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from .. import permissions
from ..registry import adapter_for

register = template.Library()


@register.simple_tag
def flag_url(content) -> str:
    ct = ContentType.objects.get_for_model(content, for_concrete_model=True)
    return reverse("moderation:flag", args=[ct.pk, adapter_for(content).ref(content)])


@register.simple_tag
def moderate_url(content) -> str:
    ct = ContentType.objects.get_for_model(content, for_concrete_model=True)
    return reverse("moderation:act", args=[ct.pk, adapter_for(content).ref(content)])


@register.simple_tag(takes_context=True)
def may_moderate(context, content) -> bool:
    return permissions.can_moderate(context["request"].user, content)


@register.simple_tag(takes_context=True)
def may_flag(context, content) -> bool:
    return permissions.can_flag(context["request"].user, content)
