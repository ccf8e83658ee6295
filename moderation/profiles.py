"""Member profiles can be flagged; moderators hide or restore what they show."""

from django.urls import reverse

from community import services as community_services
from community.models import Profile

from .registry import ModerationAdapter, register


class ProfileAdapter(ModerationAdapter):
    def author(self, obj):
        return obj.user

    def scope(self, obj):
        return None, False  # national moderators only

    def excerpt(self, obj) -> str:
        return f"{obj.display_name}\n{obj.bio}".strip()

    def url(self, obj) -> str:
        return reverse("community:profile")

    def is_hidden(self, obj) -> bool:
        return obj.hidden

    def hide(self, obj) -> None:
        community_services.profile_set_hidden(profile=obj, hidden=True)

    def restore(self, obj) -> None:
        community_services.profile_set_hidden(profile=obj, hidden=False)

    def delete(self, obj) -> None:
        community_services.profile_update(user=obj.user, display_name="", bio="")
        community_services.profile_set_hidden(profile=obj, hidden=False)

    def edit(self, obj, *, body: str) -> None:
        community_services.profile_update(
            user=obj.user,
            display_name=obj.display_name,
            bio=body,
            languages=obj.languages,
            timezone_name=obj.timezone,
        )

    def label(self, obj) -> str:
        return "profile"


register(Profile, ProfileAdapter())
