from django.urls import path

from . import (  # noqa: F401 - ids: converters
    chat_views,
    ids,
    inbound_views,
    mention_views,
    poll_views,
    views,
)
from .conversations.urls import urlpatterns as conversation_urls
from .feeds import PublicThreadsFeed, SpaceThreadsFeed

# Threads and posts are addressed by opaque ids (``<thread:pk>``, ``<post:pk>``,
# ``forums.ids``), never by their site-wide sequential keys: order must not show.
app_name = "forums"

urlpatterns = [
    path("", views.index, name="index"),
    path(
        "departments/<int:pk>/space/",
        views.department_space,
        name="department_space",
    ),
    path("feed.atom", PublicThreadsFeed(), name="feed"),
    path("s/<slug:slug>/feed.atom", SpaceThreadsFeed(), name="space_feed"),
    path("s/<slug:slug>/", views.space_detail, name="space"),
    path("s/<slug:slug>/new/", views.thread_create, name="thread_create"),
    path("s/<slug:slug>/follow/", views.space_follow, name="space_follow"),
    path("s/<slug:slug>/every-post/", views.space_every_post, name="space_every_post"),
    path("s/<slug:slug>/read/", views.space_mark_read, name="space_read"),
    path(
        "s/<slug:slug>/mentions/",
        mention_views.space_suggestions,
        name="mention_suggestions",
    ),
    path("s/<slug:slug>/invite/", views.space_invite, name="space_invite"),
    path("s/<slug:slug>/accept/", views.space_accept, name="space_accept"),
    path("t/<thread:pk>/", views.thread_detail, name="thread"),
    path("t/<thread:pk>/reply/", views.reply, name="reply"),
    path("t/<thread:pk>/unread/", views.thread_unread, name="thread_unread"),
    path("t/<thread:pk>/follow/", views.thread_follow, name="thread_follow"),
    path("t/<thread:pk>/edit/", views.thread_edit, name="thread_edit"),
    path("t/<thread:pk>/moderate/", views.thread_moderate, name="thread_moderate"),
    path("t/<thread:pk>/answer/", views.thread_answer, name="thread_answer"),
    path("t/<thread:pk>/poll/", poll_views.ask_in_thread, name="poll_in_thread"),
    path("chat/<int:room_id>/poll/", poll_views.ask_in_room, name="poll_in_room"),
    path("t/<thread:pk>/polls/", poll_views.thread_polls, name="thread_polls"),
    path("chat/<int:room_id>/polls/", poll_views.room_polls, name="room_polls"),
    path("polls/<int:pk>/vote/", poll_views.vote, name="poll_vote"),
    path("polls/<int:pk>/close/", poll_views.close, name="poll_close"),
    path("polls/<int:pk>/remove/", poll_views.remove, name="poll_remove"),
    path("p/<post:pk>/", views.post_permalink, name="post"),
    path("p/<post:pk>/edit/", views.post_edit, name="post_edit"),
    path("p/<post:pk>/delete/", views.post_delete, name="post_delete"),
    path("p/<post:pk>/react/", views.post_react, name="post_react"),
    path("p/<post:pk>/reactions/", views.post_reactions, name="post_reactions"),
    path("p/<post:pk>/history/", views.post_history, name="post_history"),
    path("tags/<slug:slug>/", views.tag_detail, name="tag"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/", views.notification_open, name="notification_open"),
    path("inbound/", inbound_views.receive, name="inbound"),
    path("preferences/", views.preferences, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("s/<slug:slug>/chat/", chat_views.space_chat, name="space_chat"),
    path("chat/<int:room_id>/", chat_views.room, name="chat_room"),
    path(
        "chat/<int:room_id>/messages/", chat_views.messages_after, name="chat_messages"
    ),
    path("chat/<int:room_id>/send/", chat_views.send_json, name="chat_send"),
    path(
        "chat/<int:room_id>/mentions/",
        mention_views.room_suggestions,
        name="chat_mention_suggestions",
    ),
    *conversation_urls,
]
