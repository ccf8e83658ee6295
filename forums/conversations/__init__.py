"""Private conversations between members, and the anonymous relay.

A conversation is a chat room of its own kind (``RoomKind.CONVERSATION``): its messages
are the one chat system's messages, so they are stored first, numbered, broadcast on
commit, caught up after a reconnect and sent by plain HTTP where sockets fail, exactly
as in a space's room. This package adds who is in it, what each has read, muting,
blocking, and the relay that lets a member answer an anonymous post's author privately
without learning who they are.
"""
