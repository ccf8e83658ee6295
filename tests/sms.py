"""The texts the file gateway wrote (``community.phones.FileGateway``): what a phone
would have received, for tests in this process and the servers they start."""

import json
import re
import shutil
from pathlib import Path

from django.conf import settings


def folder() -> Path:
    return Path(settings.COMMUNITY["SMS_FILE_PATH"])


def clear() -> None:
    shutil.rmtree(folder(), ignore_errors=True)


def texts(number: str | None = None) -> list[dict]:
    """Every text sent so far, oldest first (to ``number`` only, if given)."""
    if not folder().exists():
        return []
    sent = [json.loads(p.read_text()) for p in sorted(folder().glob("*.json"))]
    return [t for t in sent if number is None or t["to"] == number]


def last_code(number: str) -> str:
    """The code in the newest text to ``number``."""
    [*_older, newest] = texts(number)
    return re.search(r"\b(\d{6})\b", newest["text"]).group(1)
