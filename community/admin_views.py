"""Membership management in the Wagtail admin, scoped by the capability map."""

from django import forms
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import BasePermissionPolicy

from . import permissions, services
from .models import Membership, Organisation


class MembershipPermissionPolicy(BasePermissionPolicy):
    """Every answer comes from `community.permissions`; nothing here reads roles."""

    def user_has_permission(self, user, action):
        return permissions.can_manage_memberships(user)

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)

    def user_has_permission_for_instance(self, user, action, instance):
        return permissions.can_manage_memberships(user, instance.organisation)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_permission_for_instance(user, None, instance)

    def instances_user_has_permission_for(self, user, action):
        return Membership.objects.filter(
            organisation__in=permissions.organisations_where(
                user, permissions.Cap.MANAGE_MEMBERSHIPS
            )
        )

    def instances_user_has_any_permission_for(self, user, actions):
        return self.instances_user_has_permission_for(user, None)

    def users_with_any_permission(self, actions):
        from django.contrib.auth import get_user_model

        return get_user_model().objects.none()

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


class MembershipForm(WagtailAdminModelForm):
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "trusted_publisher"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.for_user = for_user
        self.fields["organisation"].queryset = permissions.organisations_where(
            for_user, permissions.Cap.MANAGE_MEMBERSHIPS
        ).select_related("parent__parent")

    def clean(self):
        cleaned = super().clean()
        organisation, role = cleaned.get("organisation"), cleaned.get("role")
        if (
            organisation
            and role
            and not permissions.can_assign_role(self.for_user, organisation, role)
        ):
            raise forms.ValidationError(
                _("You may not give that role at %(org)s.") % {"org": organisation}
            )
        if role:
            refusal = permissions.grant_refusal(
                self.for_user, cleaned.get("user"), role
            )
            if refusal:
                raise forms.ValidationError(refusal)
        return cleaned


class MembershipIndexView(generic.IndexView):
    def get_base_queryset(self):
        return (
            self.permission_policy.instances_user_has_permission_for(
                self.request.user, "change"
            )
            .select_related("user", "organisation")
            .order_by("organisation__name", "role")
        )


class MembershipCreateView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.membership_create(
            user=data["user"],
            organisation=data["organisation"],
            role=data["role"],
            trusted_publisher=data["trusted_publisher"],
            by=self.request.user,
        )


class MembershipEditView(generic.EditView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not permissions.can_manage_memberships(self.request.user, obj.organisation):
            raise PermissionDenied
        return obj

    def save_instance(self):
        data = self.form.cleaned_data
        original = Membership.objects.get(pk=self.object.pk)
        return services.membership_update(
            membership=original,
            organisation=data["organisation"],
            role=data["role"],
            trusted_publisher=data["trusted_publisher"],
            by=self.request.user,
        )


class MembershipDeleteView(generic.DeleteView):
    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not permissions.can_manage_memberships(self.request.user, obj.organisation):
            raise PermissionDenied
        return obj

    def delete_action(self):
        services.membership_delete(membership=self.object, by=self.request.user)


class MembershipViewSet(ModelViewSet):
    model = Membership
    form_class = MembershipForm
    icon = "group"
    menu_label = _("Memberships")
    add_to_admin_menu = True
    menu_order = 900
    list_display = ["user", "organisation", "role", "trusted_publisher"]
    list_filter = ["role"]
    search_fields = []
    index_view_class = MembershipIndexView
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView
    inspect_view_enabled = False
    copy_view_enabled = False

    def get_form_class(self, for_update=False):
        return MembershipForm


class OrganisationViewSet(ModelViewSet):
    model = Organisation
    icon = "site"
    menu_label = _("Organisations")
    add_to_admin_menu = True
    menu_order = 901
    form_fields = ["name", "slug", "level", "parent", "ownership", "timezone"]
    list_display = ["name", "level", "parent", "ownership"]
    list_filter = ["level", "ownership"]
    search_fields = ["name"]
