from django.core.paginator import Paginator
from django.shortcuts import render
from wagtail.models import Page

from community import pagecache
from community.sections import search_groups

PAGE_SIZE = 10
MAX_QUERY = 200


def _search_generations(request) -> list[str]:
    return [pagecache.SEARCH]


# Visitors asking the same thing share one answer until anything indexed changes.
@pagecache.for_visitors(_search_generations, params=("page",), text=("q",))
def search(request):
    """One search box for the site: Wagtail pages plus every plugin's own results."""
    query = request.GET.get("q", "").strip()[:MAX_QUERY]
    pages = None
    groups = []
    if query:
        results = Page.objects.live().public().specific().search(query)
        pages = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        groups = search_groups(request, query)
    return render(
        request,
        "home/search.html",
        {"query": query, "pages": pages, "groups": groups},
    )
