"""Failed background tasks, for operators, in Wagtail's admin (Reports → Background
tasks), each with a retry.

An email that could not be sent (the mail server down, an address refused) fails its
task, and ``django-tasks-db`` keeps the failure with its traceback. This screen lists
them newest first with what failed and why, and "Retry" enqueues the same task with
the same arguments (then forgets the failure). The suite's email tasks are
idempotent (each marks what it sent), so a retry never sends twice.

Superusers only: a task's arguments are ids, but its error may quote an address.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_tasks_db.models import DBTaskResult

from .permissions import is_active_superuser

PER_PAGE = 50


def _check(user) -> None:
    if not is_active_superuser(user):
        raise PermissionDenied


def _error(result: DBTaskResult) -> str:
    """The traceback's last line: the exception and its message."""
    lines = [line for line in result.traceback.strip().splitlines() if line.strip()]
    return lines[-1] if lines else result.exception_class_path


@require_safe
def failed_tasks(request):
    _check(request.user)
    failed = DBTaskResult.objects.failed().order_by("-finished_at", "-enqueued_at")
    page = Paginator(failed, PER_PAGE).get_page(request.GET.get("p"))
    return TemplateResponse(
        request,
        "community/admin/failed_tasks.html",
        {
            "page_obj": page,
            "rows": [(result, _error(result)) for result in page],
            "waiting": DBTaskResult.objects.ready().count(),
            "running": DBTaskResult.objects.running().count(),
        },
    )


def _retry(result: DBTaskResult) -> None:
    arguments = result.args_kwargs
    result.task.using(run_after=None).enqueue(*arguments["args"], **arguments["kwargs"])
    result.delete()


@require_POST
def retry(request, pk):
    _check(request.user)
    with transaction.atomic():
        result = get_object_or_404(
            DBTaskResult.objects.failed().select_for_update(), pk=pk
        )
        name = result.task_name
        _retry(result)
    messages.success(request, _("“%(task)s” is queued again.") % {"task": name})
    return redirect("community_admin:failed_tasks")


@require_POST
def retry_all(request):
    _check(request.user)
    with transaction.atomic():
        results = list(DBTaskResult.objects.failed().select_for_update())
        for result in results:
            _retry(result)
    messages.success(request, _("%(n)s tasks are queued again.") % {"n": len(results)})
    return redirect("community_admin:failed_tasks")
