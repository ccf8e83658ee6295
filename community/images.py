"""Uploaded photos, re-encoded without their metadata.

A phone photo carries EXIF: the camera, the time to the second and often GPS
coordinates of the ward where it was taken. Re-encoding with Pillow keeps the pixels
(turned upright as EXIF said) and drops every metadata block; a file that is not an
image is refused.
"""

from __future__ import annotations

import io

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def without_metadata(upload, *, max_side: int = 2400) -> ContentFile:
    from PIL import Image, ImageOps, UnidentifiedImageError

    upload.seek(0)
    try:
        with Image.open(upload) as original:
            kind = original.format
            if kind not in FORMATS:
                raise ValidationError(_("Send a JPEG, PNG or WebP photo."))
            image = ImageOps.exif_transpose(original)
            image.thumbnail((max_side, max_side))
            if kind == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            options = {"quality": 85, "optimize": True} if kind != "PNG" else {}
            image.save(out, format=kind, **options)  # no exif=, no pnginfo=
    except (UnidentifiedImageError, OSError):
        raise ValidationError(_("That file is not a photo we can read.")) from None
    stem = (getattr(upload, "name", "") or "photo").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return ContentFile(out.getvalue(), name=f"{stem or 'photo'}.{FORMATS[kind]}")
