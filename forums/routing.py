from django.urls import path

from . import consumers

websocket_urlpatterns = [
    path("ws/forums/threads/<int:pk>/", consumers.ThreadConsumer.as_asgi()),
    path("ws/chat/<int:room_id>/", consumers.ChatConsumer.as_asgi()),
]
