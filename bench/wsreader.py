"""A websocket reader for load generation, as cheap per frame as Python allows.

The ``websockets`` client costs tens of microseconds per frame (a task switch, a
frame object, a decoded string); a benchmark that fans out 10,000 frames a second to
readers on the same cores as the server then measures its own client. This reader is
an ``asyncio.Protocol``: it does the opening handshake, splits the unmasked frames a
server sends, answers pings (masked, as RFC 6455 requires of clients) and hands each
text frame's bytes to a callback, without copying them into objects it does not need.
It reads only; the writer in ``bench.chat`` uses ``websockets``.
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct


class Reader(asyncio.Protocol):
    def __init__(self, *, host: str, path: str, headers: dict[str, str], on_text):
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {host}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.on_text = on_text
        self.buffer = bytearray()
        self.open = False
        self.opened = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.request)

    def connection_lost(self, exc) -> None:
        if not self.opened.done():
            self.opened.set_exception(ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        if not self.open:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(buffer[: buffer.find(b"\r\n")])
            del buffer[: end + 4]
            if b" 101 " not in status:
                self.opened.set_exception(
                    ConnectionError(status.decode(errors="replace"))
                )
                self.transport.close()
                return
            self.open = True
            self.opened.set_result(self)
        pos, size = 0, len(buffer)
        while size - pos >= 2:
            opcode = buffer[pos] & 0x0F
            length = buffer[pos + 1] & 0x7F
            head = 2
            if length == 126:
                if size - pos < 4:
                    break
                (length,) = struct.unpack_from("!H", buffer, pos + 2)
                head = 4
            elif length == 127:
                if size - pos < 10:
                    break
                (length,) = struct.unpack_from("!Q", buffer, pos + 2)
                head = 10
            if size - pos < head + length:
                break
            start = pos + head
            pos = start + length
            if opcode in (0x1, 0x0):  # text (the server does not fragment these)
                self.on_text(buffer, start, pos)
            elif opcode == 0x9:  # ping: answer with the same payload, masked
                self._send(0xA, bytes(buffer[start:pos]))
            elif opcode == 0x8:
                self.transport.close()
                break
        del buffer[:pos]

    def _send(self, opcode: int, payload: bytes) -> None:
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(
            bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked
        )

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._send(0x8, struct.pack("!H", 1000))
            self.transport.close()


async def connect(host: str, port: int, path: str, headers: dict, on_text) -> Reader:
    loop = asyncio.get_running_loop()
    protocol = Reader(
        host=f"{host}:{port}", path=path, headers=headers, on_text=on_text
    )
    await loop.create_connection(lambda: protocol, host, port)
    return await asyncio.wait_for(protocol.opened, 60)
