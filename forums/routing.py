from django.urls import path

from . import consumers, ids  # noqa: F401 - ids registers <thread:…>

websocket_urlpatterns = [
    path("ws/forums/threads/<thread:pk>/", consumers.ThreadConsumer.as_asgi()),
    path("ws/chat/<int:room_id>/", consumers.ChatConsumer.as_asgi()),
]
