"""The one review step a district editor's page goes through: any national editor."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from wagtail.models import Task, TaskState

from community import permissions as community_permissions


class NationalReviewTask(Task):
    """Approved by any national library editor (decided by the capability map, not by
    Wagtail group membership)."""

    def _is_reviewer(self, user) -> bool:
        return community_permissions.is_national_library_editor(user)

    def user_can_access_editor(self, obj, user):
        return self._is_reviewer(user)

    def locked_for_user(self, obj, user):
        return not self._is_reviewer(user)

    def user_can_lock(self, obj, user):
        return self._is_reviewer(user)

    def user_can_unlock(self, obj, user):
        return False

    def get_actions(self, obj, user):
        if self._is_reviewer(user):
            return [
                ("reject", _("Request changes"), True),
                ("approve", _("Approve and publish"), False),
                ("approve", _("Approve with comment"), True),
            ]
        return []

    def get_task_states_user_can_moderate(self, user, **kwargs):
        if self._is_reviewer(user):
            return TaskState.objects.filter(
                task=self.task_ptr, status=TaskState.STATUS_IN_PROGRESS
            )
        return TaskState.objects.none()

    @classmethod
    def get_description(cls):
        return _("Any national library editor can approve this step.")

    class Meta:
        verbose_name = _("national editor review")
        verbose_name_plural = _("national editor reviews")
