"""Events in the Wagtail admin: a list (and inspect page) for those who schedule
events, scoped by the capability map. Changes are made on the site's own forms, which
call the services; the admin does not write."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from community import permissions as community

from .models import Event


class EventPermissionPolicy(BasePermissionPolicy):
    """View only, for whoever schedules events; each sees the events of the
    organisations they schedule for (the national team: all of them)."""

    def user_has_permission(self, user, action):
        return action == "view" and community.has_capability(
            user, community.Cap.SCHEDULE_EVENTS, None
        )

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, a) for a in actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return action == "view" and community.can_schedule_events(
            user, instance.organiser
        )

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return any(
            self.user_has_permission_for_instance(user, a, instance) for a in actions
        )

    def instances_user_has_permission_for(self, user, action):
        if action != "view":
            return Event.objects.none()
        return Event.objects.filter(
            organiser__in=community.organisations_where(
                user, community.Cap.SCHEDULE_EVENTS
            )
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return self.instances_user_has_permission_for(user, "view")

    def users_with_any_permission(self, actions):
        return get_user_model().objects.none()

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


class EventIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            self.permission_policy.instances_user_has_permission_for(
                self.request.user, "view"
            )
            .select_related("organiser")
            .order_by("-starts_at")
        )


class EventViewSet(ModelViewSet):
    model = Event
    icon = "date"
    menu_label = _("Events")
    add_to_admin_menu = True
    menu_order = 300
    inspect_view_enabled = True
    list_display = ["title", "kind", "organiser", "starts_at", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["title"]
    exclude_form_fields = []
    form_fields = ["title"]
    index_view_class = EventIndexView
