"""What improvement adds to the host: a home page section and a search result group."""

from django.utils.translation import gettext as _
from wagtail import hooks

from community.sections import (
    DEPARTMENT_SECTIONS_HOOK,
    FACILITY_SECTIONS_HOOK,
    HOME_SECTIONS_HOOK,
    SEARCH_GROUPS_HOOK,
    HomeSection,
    SearchGroup,
)

from .conf import setting


@hooks.register(HOME_SECTIONS_HOOK)
def improvement_stories(request):
    from .models import StoryPage

    stories = list(
        StoryPage.objects.live()
        .public()
        .select_related("facility")
        .order_by("-first_published_at")[:3]
    )
    return HomeSection(
        key="improvement",
        title=_("Improvement stories"),
        template="improvement/sections/stories.html",
        context={
            "stories": stories,
            "signed_in": request.user.is_authenticated,
        },
        order=300,
    )


@hooks.register(SEARCH_GROUPS_HOOK)
def improvement_results(request, query):
    from .models import StoryPage
    from .selectors import registry

    if not query:
        return None
    limit = setting("SEARCH_RESULTS")
    results = [
        {"title": story.title, "url": story.url, "snippet": story.summary}
        for story in StoryPage.objects.live().public().search(query)[:limit]
    ]
    for idea in registry(request.user, query=query).select_related("project")[
        : max(limit - len(results), 0)
    ]:
        results.append(
            {
                "title": idea.title,
                "url": idea.get_absolute_url(),
                "snippet": f"{idea.get_state_display()} · {idea.project.title}"
                + (f" · {idea.state_reason[:200]}" if idea.state_reason else ""),
            }
        )
    return SearchGroup(
        key="improvement", title=_("Improvement"), results=results, order=300
    )


@hooks.register(FACILITY_SECTIONS_HOOK)
def facility_improvement(request, facility):
    """A facility's profile: its improvement stories, the QI projects the viewer may
    see (shared ones for members) and the change ideas it adopted or adapted."""
    from .models import ChangeIdea, ChangeState, Project, StoryPage

    stories = list(
        StoryPage.objects.live()
        .public()
        .filter(facility=facility)
        .order_by("-first_published_at")[:5]
    )
    projects = list(
        Project.objects.visible_to(request.user)
        .filter(facility=facility)
        .order_by("-updated_at")[:10]
    )
    adopted = list(
        ChangeIdea.objects.filter(
            project__in=[p.pk for p in projects],
            state__in=[ChangeState.ADOPTED, ChangeState.ADAPTED],
        )
        .select_related("project")
        .order_by("-updated_at")[:10]
    )
    if not (stories or projects or adopted):
        return None
    from .selectors import department_adoption

    adoption = department_adoption(
        facility, Project.objects.visible_to(request.user).filter(facility=facility)
    )
    return HomeSection(
        key="improvement",
        title=_("Improvement work"),
        template="improvement/sections/facility.html",
        context={
            "stories": stories,
            "projects": projects,
            "adopted": adopted,
            "adoption": adoption,
        },
        order=200,
    )


@hooks.register(DEPARTMENT_SECTIONS_HOOK)
def department_improvement(request, department):
    """A department's page: its QI projects and change ideas the reader may see, and
    what other departments of the facility adopted that it has not tried yet."""
    from . import permissions
    from .models import ChangeIdea, ChangeState, Project

    visible = Project.objects.visible_to(request.user).filter(
        facility_id=department.facility_id
    )
    projects = list(visible.filter(department=department).order_by("title"))
    ideas = list(
        ChangeIdea.objects.filter(project__in=[p.pk for p in projects])
        .select_related("project")
        .order_by("project__title", "created_at")
    )
    tried = {idea.spread_from_id or idea.pk for idea in ideas}
    elsewhere = [
        idea
        for idea in ChangeIdea.objects.filter(
            project__in=visible.exclude(department=department).exclude(
                department__isnull=True
            ),
            state__in=[ChangeState.ADOPTED, ChangeState.ADAPTED],
        )
        .select_related("project__department")
        .order_by("-updated_at")[:10]
        if (idea.spread_from_id or idea.pk) not in tried
    ]
    if not (projects or elsewhere):
        return None
    from .models import Indicator

    # The department's indicators: those its projects track, charted from the
    # facility's monthly numbers (the registers are the facility's), for readers of
    # the facility's data.
    indicators = (
        list(
            Indicator.objects.filter(projects__in=[p.pk for p in projects])
            .distinct()
            .order_by("code")
        )
        if projects
        and permissions.can_view_facility_data(request.user, department.facility)
        else []
    )
    return HomeSection(
        key="improvement",
        title=_("Improvement work"),
        template="improvement/sections/department.html",
        context={
            "projects": projects,
            "ideas": ideas,
            "elsewhere": elsewhere,
            "indicators": indicators,
            "facility_slug": department.facility.slug,
            "department": department,
            "can_document": permissions.can_document(request.user, department.facility),
        },
        order=200,
    )


@hooks.register("community_nav_items")
def improvement_nav(request):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    return NavItem(_("Improvement"), reverse("improvement:index"), order=40)


@hooks.register("register_log_actions")
def register_measurement_actions(actions):
    from django.utils.translation import gettext_lazy
    from wagtail.log_actions import LogFormatter

    @actions.register_action("improvement.measurement_replace")
    class ReplaceMeasurement(LogFormatter):
        label = gettext_lazy("Replace a month's numbers")

        def format_message(self, log_entry):
            data = log_entry.data or {}
            old, new = data.get("old", {}), data.get("new", {})
            try:
                return _("Replaced %(old)s with %(new)s for %(month)s") % {
                    "old": f"{old['numerator']}/{old['denominator']}",
                    "new": f"{new['numerator']}/{new['denominator']}",
                    "month": data["period"][:7],
                }
            except (KeyError, TypeError):
                return _("Replaced a month's numbers")


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)
