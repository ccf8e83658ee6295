"""Live thread pages: readers with a thread open receive its new posts.

The consumer only authorises and relays. Frames are built once by the services (on
commit, through ``community.realtime``) and carry the post as every reader sees it,
so they never hold an anonymous author.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from community.realtime import group_name

from .models import Thread
from .permissions import can_view_thread


class ThreadConsumer(AsyncWebsocketConsumer):
    group: str | None = None

    async def connect(self) -> None:
        pk = int(self.scope["url_route"]["kwargs"]["pk"])
        if not await self._may_view(pk):
            await self.close(code=4403)
            return
        self.group = group_name("thread", pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None) -> None:
        """Read-only: posting goes through the HTTP form (works without JavaScript)."""

    async def realtime_event(self, event: dict) -> None:
        await self.send(text_data=event["text"])

    @database_sync_to_async
    def _may_view(self, pk: int) -> bool:
        user = self.scope.get("user")
        thread = (
            Thread.objects.select_related("space__organisation__parent__parent")
            .filter(pk=pk)
            .first()
        )
        return thread is not None and can_view_thread(user, thread)
