"""Small real files made without extra dependencies: a one-page PDF, silent MP3
audio, and square cover art. The demo seed and tests use them; nothing is downloaded.
"""

from __future__ import annotations

import io
import textwrap

# MPEG audio frame headers (mono, no CRC), with bytes per frame and samples per frame.
# MPEG-1 Layer III, 44.1 kHz, 32 kbit/s: the smallest rate MPEG-1 allows.
_MP3_STANDARD = (bytes([0xFF, 0xFB, 0x10, 0xC4]), 104, 1152, 44100, 17)
# MPEG-2 Layer III, 22.05 kHz, 8 kbit/s: the low-bandwidth alternative.
_MP3_LOW = (bytes([0xFF, 0xF3, 0x10, 0xC4]), 26, 576, 22050, 9)


def silent_mp3(seconds: float, *, low_bitrate: bool = False) -> bytes:
    """Constant-bitrate MP3 silence: frames whose side information says "no audio
    data", which every decoder plays as silence and mutagen measures."""
    header, frame_bytes, samples, rate, _side_info = (
        _MP3_LOW if low_bitrate else _MP3_STANDARD
    )
    frame = header + bytes(frame_bytes - len(header))
    frames = max(1, round(seconds * rate / samples))
    return frame * frames


def _pdf_text(value: str) -> str:
    ascii_only = value.encode("latin-1", "replace").decode("latin-1")
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(title: str, paragraphs: list[str]) -> bytes:
    """A valid one-page A4 PDF (Helvetica, wrapped text) written by hand."""
    lines: list[tuple[int, str]] = [(16, title), (11, "")]
    for paragraph in paragraphs:
        lines += [(11, line) for line in textwrap.wrap(paragraph, 88)] + [(11, "")]
    ops = ["BT", "/F1 16 Tf", "56 780 Td", "16 TL"]
    for size, line in lines[:48]:
        ops += [f"/F1 {size} Tf", f"({_pdf_text(line)}) Tj", "T*"]
    ops.append("ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
        b"/Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Title (" + _pdf_text(title).encode("latin-1") + b") >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, len(objects), xref)
    )
    return out.getvalue()


def cover_art(title: str, *, size: int = 1400) -> bytes:
    """Square PNG cover art (podcast apps want 1400–3000 px)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size), (11, 94, 85))
    draw = ImageDraw.Draw(image)
    margin = size // 10
    draw.ellipse(
        (margin, margin, size - margin, size - margin),
        outline=(255, 255, 255),
        width=size // 40,
    )
    draw.rectangle(
        (size // 2 - size // 16, size // 3, size // 2 + size // 16, size * 2 // 3),
        fill=(255, 255, 255),
    )
    draw.text((margin, size - margin), title[:40], fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
