"""Mounted by ``forums.urls`` under ``messages/``."""

from django.urls import path

import community.mentions  # noqa: F401 - registers <member:…>

from . import views

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/new/", views.start, name="conversation_start"),
    path("messages/ask/<post:pk>/", views.ask_author, name="ask_author"),
    path("messages/blocked/", views.blocked, name="conversations_blocked"),
    path("messages/block/<member:member>/", views.block, name="conversation_block"),
    path("messages/<conversation:pk>/", views.conversation, name="conversation"),
    path("messages/<conversation:pk>/add/", views.add, name="conversation_add"),
    path(
        "messages/<conversation:pk>/report/<int:seq>/",
        views.report,
        name="conversation_report",
    ),
    path(
        "messages/<conversation:pk>/do/<slug:action>/",
        views.conversation_do,
        name="conversation_do",
    ),
]
