"""A facility's departments (wards, units): their page, and how they are arranged.

The facility lead adds and removes them; a facility's members say which they work in.
What each plugin scopes to a department (spaces, QI projects, events) comes in through
``community.sections.DEPARTMENT_SECTIONS_HOOK``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import directory, permissions, services
from .forms import DepartmentForm, add_errors
from .models import Department, DepartmentMember, Level, Organisation
from .privacy import people_count
from .sections import department_sections


def _facility(pk: int) -> Organisation:
    return get_object_or_404(
        Organisation.objects.select_related("parent"), pk=pk, level=Level.FACILITY
    )


def _department(pk: int, slug: str) -> Department:
    return get_object_or_404(
        Department.objects.select_related("facility__parent"),
        facility_id=pk,
        facility__level=Level.FACILITY,
        slug=slug,
    )


def departments_of(request, facility: Organisation) -> dict:
    """What a facility's page shows of its departments, and what the reader may do."""
    user = request.user
    departments = list(
        Department.objects.filter(facility=facility).annotate(
            people=Count("members", distinct=True)
        )
    )
    mine: set[int] = set()
    if user.is_authenticated and departments:
        mine = set(
            DepartmentMember.objects.filter(
                user=user, department__facility=facility
            ).values_list("department_id", flat=True)
        )
    for department in departments:
        department.mine = department.pk in mine
        # A ward is small: below the group size its head count is "a few".
        department.people_shown = people_count(department.people)
    return {
        "departments": departments,
        "can_manage_departments": permissions.can_manage_departments(user, facility),
    }


def department(request, pk: int, slug: str):
    department = _department(pk, slug)
    facility = department.facility
    user = request.user
    works_at = user.is_authenticated and permissions.works_at(user, facility)
    return render(
        request,
        "community/department.html",
        {
            "department": department,
            "facility": facility,
            "sections": department_sections(request, department),
            "people": directory.listed_at(facility, department)
            if user.is_authenticated
            else [],
            "works_at": works_at,
            "works_here": works_at
            and DepartmentMember.objects.filter(
                department=department, user=user
            ).exists(),
            "can_manage": permissions.can_manage_departments(user, facility),
        },
    )


@login_required
def department_create(request, pk: int):
    facility = _facility(pk)
    permissions.check_manage_departments(request.user, facility)
    form = DepartmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            department = services.department_create(
                facility=facility, by=request.user, name=form.cleaned_data["name"]
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(
                request,
                _("%(name)s is a department of %(facility)s.")
                % {"name": department.name, "facility": facility},
            )
            return redirect(department)
    return render(
        request,
        "community/department_form.html",
        {"form": form, "facility": facility},
    )


@login_required
def department_delete(request, pk: int, slug: str):
    department = _department(pk, slug)
    permissions.check_manage_departments(request.user, department.facility)
    if request.method == "POST":
        services.department_delete(department=department, by=request.user)
        messages.success(
            request,
            _(
                "%(name)s is no longer a department. Its spaces, projects and events "
                "now belong to the whole facility."
            )
            % {"name": department.name},
        )
        return redirect("community:facility", pk=department.facility_id)
    return render(
        request, "community/department_delete.html", {"department": department}
    )


@login_required
@require_POST
def department_join(request, pk: int, slug: str):
    department = _department(pk, slug)
    services.department_join(department=department, user=request.user)
    messages.success(
        request,
        _("Your colleagues see that you work in %(name)s.") % {"name": department},
    )
    return redirect(department)


@login_required
@require_POST
def department_leave(request, pk: int, slug: str):
    department = _department(pk, slug)
    services.department_leave(department=department, user=request.user)
    messages.success(
        request, _("You no longer show as working in %(name)s.") % {"name": department}
    )
    return redirect(department)
