"""How a plugin contributes a section to the host's home page, and results to search.

A plugin registers a Wagtail hook; the host's home page and search page collect them.
Plugins never import the host.

    @hooks.register(HOME_SECTIONS_HOOK)
    def upcoming_events(request) -> HomeSection | None: ...
"""

from dataclasses import dataclass, field
from typing import Any

from wagtail import hooks

HOME_SECTIONS_HOOK = "community_home_sections"
SEARCH_GROUPS_HOOK = "community_search_groups"
# fn(request, facility) -> HomeSection | None: a block on a facility's public profile
# (its QI projects, case studies, exchange visits hosted...).
FACILITY_SECTIONS_HOOK = "community_facility_sections"
# fn(request, department) -> HomeSection | None: a block on a department's page (its
# spaces, QI projects and change ideas, events).
DEPARTMENT_SECTIONS_HOOK = "community_department_sections"
# fn(request) -> NavItem | None: a link in the site's main navigation.
NAV_HOOK = "community_nav_items"
# fn(request, member) -> list[MemberAction]: what a reader can do on a member's page
# (send them a private message, block them).
MEMBER_ACTIONS_HOOK = "community_member_actions"


@dataclass
class HomeSection:
    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 100


@dataclass
class NavItem:
    label: str
    url: str
    order: int = 100
    current: bool = False
    # Optional extras a host's navigation may show: a class on the link, a decorative
    # icon (hidden from screen readers), and a count with its spoken label (e.g. the
    # forums' notification bell: 3, "3 unread").
    css_class: str = ""
    icon: str = ""
    badge: int = 0
    badge_label: str = ""


@dataclass
class MemberAction:
    label: str
    url: str
    # "post" actions are a button in a small form (with the CSRF token and ``next``).
    method: str = "get"
    order: int = 100
    fields: dict[str, str] = field(default_factory=dict)


@dataclass
class SearchGroup:
    key: str
    title: str
    results: list[dict[str, Any]]  # each: title, url, snippet (plain text)
    order: int = 100


def home_sections(request) -> list[HomeSection]:
    sections = [fn(request) for fn in hooks.get_hooks(HOME_SECTIONS_HOOK)]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)


def search_groups(request, query: str) -> list[SearchGroup]:
    groups = [fn(request, query) for fn in hooks.get_hooks(SEARCH_GROUPS_HOOK)]
    return sorted((g for g in groups if g is not None), key=lambda g: g.order)


def facility_sections(request, facility) -> list[HomeSection]:
    sections = [fn(request, facility) for fn in hooks.get_hooks(FACILITY_SECTIONS_HOOK)]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)


def department_sections(request, department) -> list[HomeSection]:
    sections = [
        fn(request, department) for fn in hooks.get_hooks(DEPARTMENT_SECTIONS_HOOK)
    ]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)


def member_actions(request, member) -> list[MemberAction]:
    actions = [
        a for fn in hooks.get_hooks(MEMBER_ACTIONS_HOOK) for a in fn(request, member)
    ]
    return sorted(actions, key=lambda a: a.order)


def nav_items(request) -> list[NavItem]:
    items = [fn(request) for fn in hooks.get_hooks(NAV_HOOK)]
    items = sorted((i for i in items if i is not None), key=lambda i: i.order)
    path = getattr(request, "path", "")
    for item in items:
        item.current = item.url != "/" and path.startswith(item.url)
    return items
