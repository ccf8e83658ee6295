"""Mentions: "@Amina Uwase", or a pasted link to her profile, names a member.

The rule, in full:

- After an "@" (not inside a word, an email or a path), the mention is the **longest
  display name of any member** that the text starts with, compared case-, accent- and
  spacing-insensitively (:func:`fold`), ending between words: "@amina uwase, thanks"
  finds "Amina Uwase" even when an "Amina" exists; "@Aminata" never finds "Amina".
- The mention goes to the **one** member with that name who can read where it is
  written (the caller's ``can_read``). If nobody with that name can read it, or several
  can, nothing happens: the text stays plain, nobody is told. The longest name is
  chosen among all members, so a name belonging to someone who cannot read the thread
  never falls back to a shorter name, and the writer cannot tell "no such member" from
  "a member who cannot read this" (no probing who is in a private space).
- A link to a member's profile page (``/community/members/<id>/``, pasted bare or as
  a Markdown link) is a mention of that member, again only when they can read: the
  way to pick one of two members with the same name, and the way without JavaScript.
- Only text outside code is looked at; mentions inside a quote are linked but notify
  nobody (quoting a post does not ping the people it mentioned again).
- Members without a display name, inactive members and profiles hidden by moderators
  cannot be mentioned. Anonymous aliases are not members and never match.

Nothing here writes: :class:`Mentions` resolves one text, :meth:`Mentions.link` turns
the mentions in the pipeline's sanitised HTML into links, and ``mentioned`` then holds
who to notify. The stored source keeps what the author typed.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from urllib.parse import urlsplit

from django.core.signals import setting_changed
from django.db.models import Q, QuerySet
from django.urls import (
    NoReverseMatch,
    get_script_prefix,
    get_urlconf,
    register_converter,
    reverse,
)

from .opaque import OpaqueConverter, encode

MAX_NAME = 80  # Profile.display_name's length
MAX_WORDS = 8  # a display name longer than this many words is not looked for
MAX_AT = 30  # "@"s looked at in one text
MAX_ENDS = 24  # places a name after one "@" may end (so at most 720 names looked up)
MAX_CANDIDATES = 100  # profiles read for one text
# What may stand just before an "@" that starts a mention: not a letter or digit (an
# email's "user@host"), and not the characters of an address or path.
_NOT_BEFORE = frozenset("@/._-+=:&%#~")


class MemberId(OpaqueConverter):
    """A member's public id in their profile's address: opaque, like every id here."""

    purpose = "community.member"


register_converter(MemberId, "member")


def fold(text: str) -> str:
    """The form names are compared in: accents dropped, case folded, spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def member_ref(user_pk: int) -> str:
    return encode(MemberId.purpose, user_pk)


def profile_url(user_pk: int) -> str:
    """The member's profile page (a path); empty where the community urls are absent.

    Every byline links here, so a thread page asks for twenty of them: each is
    reversed (and its id sealed) once per process, per URL configuration."""
    return _profile_url(user_pk, get_script_prefix(), get_urlconf())


@lru_cache(maxsize=8192)
def _profile_url(user_pk: int, _prefix: str, _urlconf) -> str:
    try:
        return reverse("community:member", args=[user_pk])
    except NoReverseMatch:
        return ""


def _forget_profile_urls(*, setting: str, **kwargs) -> None:
    if setting in ("ROOT_URLCONF", "SECRET_KEY", "INSTALLED_APPS"):
        _profile_url.cache_clear()


setting_changed.connect(_forget_profile_urls, dispatch_uid="community-profile-urls")


@lru_cache(maxsize=4)
def _profile_path_re(prefix: str) -> re.Pattern:
    return re.compile("^" + re.escape(prefix) + "(" + MemberId.regex + ")/?$")


def _profile_prefix() -> str:
    path = profile_url(0)
    return path[: path.rstrip("/").rfind("/") + 1] if path else ""


def member_pk_from_url(url: str) -> int | None:
    """The member a profile link points at (any host, http(s) or a path), else None."""
    prefix = _profile_prefix()
    if not prefix or not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("", "http", "https") or parts.query:
        return None
    match = _profile_path_re(prefix).match(parts.path)
    if match is None:
        return None
    try:
        return MemberId().to_python(match.group(1))
    except ValueError:
        return None


def _profile_links(source: str) -> set[int]:
    prefix = _profile_prefix()
    if not prefix:
        return set()
    found = set()
    pattern = re.escape(prefix) + "(" + MemberId.regex + ")(?![a-z2-7])"
    for match in re.finditer(pattern, source):
        try:
            found.add(MemberId().to_python(match.group(1)))
        except ValueError:
            continue
    return found


def mentionable() -> QuerySet:
    """Profiles that can be mentioned: active members with a name, not hidden."""
    from .models import Profile

    return Profile.objects.filter(user__is_active=True, hidden=False).exclude(
        mention_key=""
    )


def _starts(text: str) -> Iterator[int]:
    """Where the name after each "@" that may start a mention begins."""
    count = 0
    for match in re.finditer("@", text):
        at = match.start()
        before = text[at - 1] if at else " "
        if before.isalnum() or before in _NOT_BEFORE:
            continue
        start = at + 1
        if start < len(text) and not text[start].isspace():
            yield start
            count += 1
            if count >= MAX_AT:
                return


def _ends(text: str, start: int) -> list[int]:
    """Where a name starting at ``start`` may end, longest first: between words, never
    inside a run of letters and digits, before a line break, within MAX_WORDS words."""
    window = text[start : start + MAX_NAME + 1].split("\n", 1)[0]
    ends = []
    words = 1
    for j in range(1, min(len(window), MAX_NAME) + 1):
        last = window[j - 1]
        if last.isspace():
            if not window[j - 2].isspace():
                words += 1
            if words > MAX_WORDS:
                break
            continue
        if j < len(window) and last.isalnum() and window[j].isalnum():
            continue
        ends.append(j)
        if len(ends) >= MAX_ENDS:  # punctuation everywhere: no name is that long
            break
    ends.reverse()
    return ends


def candidate_keys(text: str) -> set[str]:
    """Every folded name the "@"s in ``text`` could stand for."""
    keys = set()
    for start in _starts(text):
        for end in _ends(text, start):
            key = fold(text[start : start + end])
            if key:
                keys.add(key)
    return keys


class Mentions:
    """The mentions in one text, for one place: who ``can_read`` it decides."""

    def __init__(
        self,
        source: str,
        *,
        can_read: Callable[[object], bool],
        exclude: Iterable[int] = (),
        limit: int = 10,
    ) -> None:
        self.can_read = can_read
        self.limit = limit
        self.exclude = set(exclude)
        # Who to notify, in order: linked outside quotes, at most ``limit``.
        self.mentioned: list = []
        self._by_key: dict[str, object | None] = {}
        self._by_pk: dict[int, object] = {}
        self._resolve(source or "")

    # --- Resolving ---------------------------------------------------------------

    def _resolve(self, source: str) -> None:
        keys = candidate_keys(source)
        pks = _profile_links(source)
        if not keys and not pks:
            return
        profiles = list(
            mentionable()
            .filter(Q(mention_key__in=sorted(keys)) | Q(user_id__in=sorted(pks)))
            .select_related("user")
            .order_by("pk")[:MAX_CANDIDATES]
        )
        checked: dict[int, bool] = {}

        def reads(profile) -> bool:
            if profile.user_id not in checked:
                checked[profile.user_id] = bool(self.can_read(profile.user))
            return checked[profile.user_id]

        by_key: dict[str, list] = {}
        for profile in profiles:
            if profile.mention_key in keys:
                by_key.setdefault(profile.mention_key, []).append(profile)
            if profile.user_id in pks and reads(profile):
                self._by_pk[profile.user_id] = profile
        for key, named in by_key.items():
            readers = []
            for profile in named:
                if reads(profile):
                    readers.append(profile)
                    if len(readers) > 1:
                        break
            # A name known but not one reader's: blocks shorter names, mentions nobody.
            self._by_key[key] = readers[0] if len(readers) == 1 else None

    # --- Linking -----------------------------------------------------------------

    def _record(self, profile, quoted: bool) -> None:
        if quoted or profile.user_id in self.exclude:
            return
        if len(self.mentioned) >= self.limit:
            return
        if all(user.pk != profile.user_id for user in self.mentioned):
            self.mentioned.append(profile.user)

    @staticmethod
    def _anchor(profile) -> str:
        return f'<a class="mention" href="{html.escape(profile_url(profile.user_id))}">'

    def _link_text(self, text: str, quoted: bool) -> str:
        if "@" not in text or not self._by_key:
            return text
        plain = html.unescape(text)
        pieces, done = [], 0
        for start in _starts(plain):
            if start <= done:
                continue
            for end in _ends(plain, start):
                key = fold(plain[start : start + end])
                if key not in self._by_key:
                    continue
                profile = self._by_key[key]
                if profile is not None:
                    pieces.append(html.escape(plain[done : start - 1], quote=False))
                    name = html.escape(profile.display_name, quote=False)
                    pieces.append(f"{self._anchor(profile)}@{name}</a>")
                    done = start + end
                    self._record(profile, quoted)
                break
        if not pieces:
            return text
        pieces.append(html.escape(plain[done:], quote=False))
        return "".join(pieces)

    def link(self, markup: str) -> str:
        """The sanitised HTML with its mentions as links to profiles."""
        if not self._by_key and not self._by_pk:
            return markup
        out: list[str] = []
        pos = 0
        code = quote = 0
        link: dict | None = None  # the <a> we are inside, if any
        for match in _TAG.finditer(markup):
            text = markup[pos : match.start()]
            pos = match.end()
            if link is not None:
                link["text"].append(text)
            elif code:
                out.append(text)
            else:
                out.append(self._link_text(text, quote > 0))
            closing, name, attrs = (
                match.group(1),
                match.group(2).lower(),
                match.group(3),
            )
            tag = match.group(0)
            if name == "a" and not closing and link is None:
                href = _HREF.search(attrs)
                pk = member_pk_from_url(html.unescape(href.group(1))) if href else None
                profile = self._by_pk.get(pk) if pk is not None else None
                link = {"profile": profile, "tag": tag, "text": []}
                continue
            if name == "a" and closing and link is not None:
                out.append(self._close_link(link, quote > 0))
                link = None
                continue
            if link is not None:
                link["text"].append(tag)
                continue
            if name in ("code", "pre"):
                code = max(0, code + (-1 if closing else 1))
            elif name == "blockquote":
                quote = max(0, quote + (-1 if closing else 1))
            out.append(tag)
        tail = markup[pos:]
        if link is not None:  # never from the pipeline; keep whatever was there
            out.append(link["tag"] + "".join(link["text"]) + tail)
        else:
            out.append(tail if code else self._link_text(tail, quote > 0))
        return "".join(out)

    def _close_link(self, link: dict, quoted: bool) -> str:
        inner = "".join(link["text"])
        profile = link["profile"]
        if profile is None:
            return link["tag"] + inner + "</a>"
        self._record(profile, quoted)
        shown = html.unescape(re.sub(r"<[^>]*>", "", inner)).strip()
        if not shown or member_pk_from_url(shown) is not None or "://" in shown:
            # A pasted address: shown as the name it stands for.
            inner = "@" + html.escape(profile.display_name, quote=False)
        return self._anchor(profile) + inner + "</a>"


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
_HREF = re.compile(r"\bhref=\"([^\"]*)\"")


# --- Suggestions ---------------------------------------------------------------------


def suggest(query: str, *, users: QuerySet | None = None, limit: int = 8) -> list:
    """Mentionable profiles whose name (or a word of it) starts with ``query``,
    among ``users`` (a queryset of users) when given; alphabetical, at most ``limit``."""
    key = fold(query)[:MAX_NAME]
    if not key:
        return []
    profiles = mentionable().filter(
        Q(mention_key__startswith=key) | Q(mention_key__contains=" " + key)
    )
    if users is not None:
        profiles = profiles.filter(user__in=users)
    return list(profiles.select_related("user").order_by("mention_key", "pk")[:limit])


def shared_names(keys: Iterable[str]) -> set[str]:
    """Which of these folded names more than one mentionable member has."""
    from django.db.models import Count

    return set(
        mentionable()
        .filter(mention_key__in=list(keys))
        .values("mention_key")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("mention_key", flat=True)
    )
