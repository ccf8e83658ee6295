"""Spaces, threads, posts and what readers keep about them.

A post's author is stored even when the post is anonymous, so that moderation can act
on "the author of this post"; it is never shown. Templates, frames, emails and search
use :attr:`Post.shown_author` / :attr:`Post.byline`, which hide it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from wagtail.search import index
from wagtail.search.queryset import SearchableQuerySetMixin

from community.models import Organisation

from .conf import setting


def coarse_time(moment):
    """Anonymous content keeps its time to the minute only, in storage as on screen, so
    no timestamp can be matched against a named post or a login record."""
    return moment.replace(second=0, microsecond=0)


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read")
    MEMBERS = "members", _("Members: signed-in members can read")
    ORGANISATION = "organisation", _("Organisation: members of the organisation")
    PRIVATE = "private", _("Private: invited members only")


class SpaceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SpaceQuerySet:
        from .permissions import visible_spaces_query

        return self.filter(pk__in=visible_spaces_query(user))


class Space(models.Model):
    """A community of practice: national topic, district, facility team or group."""

    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    visibility = models.CharField(
        _("visibility"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forum_spaces",
        help_text=_("Whose space this is; empty for national topic spaces."),
    )
    # A ward's or unit's space: read by its facility's members, like the facility's.
    department = models.ForeignKey(
        "community.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="forum_spaces",
    )
    safe_space = models.BooleanField(
        _("safe space"),
        default=False,
        help_text=_("Members may post anonymously."),
    )
    created = models.DateTimeField(auto_now_add=True)
    # Kept by the services so that lists need no aggregation.
    thread_count = models.PositiveIntegerField(default=0, editable=False)
    post_count = models.PositiveIntegerField(default=0, editable=False)
    last_activity_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SpaceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("space")
        verbose_name_plural = _("spaces")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("forums:space", args=[self.slug])

    def clean(self) -> None:
        if self.visibility == Visibility.ORGANISATION and self.organisation_id is None:
            raise ValidationError(
                {"organisation": _("An organisation space needs an organisation.")}
            )
        if self.department_id:
            if self.department.facility_id != self.organisation_id:
                raise ValidationError(
                    {"department": _("A department's space belongs to its facility.")}
                )
            if self.safe_space:
                # A ward is a few people: "anonymous" there is a guess away.
                raise ValidationError(
                    {
                        "safe_space": _(
                            "A department is too small a group for anonymous posts: "
                            "open safe spaces for a district or the country."
                        )
                    }
                )


class SpaceMembership(models.Model):
    """Membership of a private space. ``accepted_at`` empty: an open invitation."""

    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forum_space_memberships",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["space", "user"], name="forums_unique_space_member"
            )
        ]
        verbose_name = _("space membership")
        verbose_name_plural = _("space memberships")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.space}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None


class ThreadKind(models.TextChoices):
    DISCUSSION = "discussion", _("Discussion")
    QUESTION = "question", _("Question")
    CHANGE_STORY = "change_story", _("Change story")


class Outcome(models.TextChoices):
    WORKED = "worked", _("It worked")
    DID_NOT_WORK = "did_not_work", _("It did not work")
    ADAPTED = "adapted", _("We adapted it")


class TaggedThread(TaggedItemBase):
    """Threads share the one taggit vocabulary with the library and events."""

    content_object = models.ForeignKey(
        "forums.Thread", on_delete=models.CASCADE, related_name="tagged_items"
    )


class ThreadQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def visible_to(self, user) -> ThreadQuerySet:
        from .permissions import visible_spaces_query

        return self.filter(
            space_id__in=visible_spaces_query(user),
            deleted_at__isnull=True,
            hidden=False,
        )

    def listed(self) -> ThreadQuerySet:
        return self.order_by("-pinned", "-last_activity_at", "-pk")


class Thread(index.Indexed, models.Model):
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=ThreadKind.choices,
        default=ThreadKind.DISCUSSION,
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=Outcome.choices,
        blank=True,
        help_text=_("Change stories: did the change improve care?"),
    )
    # The opening post's author and anonymity, copied here for lists.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="forum_threads",
    )
    anonymous = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)
    last_activity_at = models.DateTimeField(db_index=True)
    post_count = models.PositiveIntegerField(default=0)
    last_post = models.ForeignKey(
        "forums.Post", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted_answer = models.ForeignKey(
        "forums.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text=_("Hidden by moderation."))
    tags = TaggableManager(through=TaggedThread, blank=True, verbose_name=_("tags"))

    objects = ThreadQuerySet.as_manager()

    search_fields = [
        index.SearchField("title", boost=3),
        index.AutocompleteField("title"),
        index.SearchField("opening_text"),
        index.FilterField("space_id"),
        index.FilterField("last_activity_at"),
        index.FilterField("deleted_at"),
        index.FilterField("hidden"),
    ]

    class Meta:
        indexes = [
            models.Index(
                fields=["space", "-pinned", "-last_activity_at"],
                name="forums_thread_listing",
            )
        ]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forums:thread", args=[self.pk])

    @property
    def ref(self) -> str:
        """The thread's public, opaque id (``forums.ids``)."""
        from .ids import thread_ref

        return thread_ref(self.pk)

    def clean(self) -> None:
        if self.outcome and self.kind != ThreadKind.CHANGE_STORY:
            raise ValidationError(
                {"outcome": _("Only change stories have an outcome.")}
            )
        if self.kind == ThreadKind.CHANGE_STORY and not self.outcome:
            raise ValidationError(
                {
                    "outcome": _(
                        "Say whether the change worked, did not, or was adapted."
                    )
                }
            )

    def opening_text(self) -> str:
        first = self.posts.filter(number=1, deleted_at__isnull=True).first()
        return first.body if first else ""

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION

    @property
    def is_change_story(self) -> bool:
        return self.kind == ThreadKind.CHANGE_STORY

    @property
    def starter_name(self) -> str:
        if self.anonymous:
            return alias_label(1)  # the opening post's author is always the first
        return _byline(self.author, False)

    def page_of(self, number: int) -> int:
        return page_for_number(number)


def page_for_number(number: int) -> int:
    """Posts keep their number for ever, so a post's page never changes."""
    return max(1, (int(number) - 1) // setting("POSTS_PER_PAGE") + 1)


def _byline(user, anonymous: bool) -> str:
    if anonymous:
        return str(_("Anonymous member"))
    if user is None:
        return str(_("Former member"))
    profile = getattr(user, "profile", None)
    if profile is not None:
        return str(profile.public_name)
    return str(_("Member"))


class PostQuerySet(SearchableQuerySetMixin, models.QuerySet):
    def visible_to(self, user) -> PostQuerySet:
        from .permissions import visible_spaces_query

        return self.filter(
            space_id__in=visible_spaces_query(user),
            thread__deleted_at__isnull=True,
            thread__hidden=False,
            deleted_at__isnull=True,
            hidden=False,
        )


class Post(index.Indexed, models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    # Copied from the thread: search filters and visibility need no join.
    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="+")
    number = models.PositiveIntegerField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="forum_posts",
    )
    anonymous = models.BooleanField(default=False)
    # "Colleague A" is 1: stable for one author within one thread, never across threads.
    alias = models.PositiveSmallIntegerField(null=True, blank=True)
    body = models.TextField(_("message"))
    body_html = models.TextField(editable=False)
    created = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text=_("Hidden by moderation."))
    helpful_count = models.PositiveIntegerField(default=0)
    tried_count = models.PositiveIntegerField(default=0)
    thanks_count = models.PositiveIntegerField(default=0)
    # Set by the page's outbox: a reply or thread sent again (a retry after the
    # network dropped, a second tab) finds this post instead of making another.
    client_id = models.UUIDField(null=True, blank=True, editable=False)

    objects = PostQuerySet.as_manager()

    search_fields = [
        index.SearchField("body"),
        index.FilterField("space_id"),
        index.FilterField("created"),
        index.FilterField("deleted_at"),
        index.FilterField("hidden"),
    ]

    class Meta:
        ordering = ["thread", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["thread", "number"], name="forums_unique_post_number"
            ),
            models.UniqueConstraint(
                fields=["author", "client_id"], name="forums_post_idempotent"
            ),
        ]
        verbose_name = _("post")
        verbose_name_plural = _("posts")

    def __str__(self) -> str:
        return f"#{self.number} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        """The stable permalink: it redirects to the right page and anchor."""
        return reverse("forums:post", args=[self.pk])

    @property
    def page(self) -> int:
        return page_for_number(self.number)

    @property
    def ref(self) -> str:
        """The post's public, opaque id (``forums.ids``): links, anchors, frames."""
        from .ids import post_ref

        return post_ref(self.pk)

    @property
    def anchor(self) -> str:
        return f"post-{self.ref}"

    @property
    def shown_author(self):
        """The author as others may see them: ``None`` for anonymous posts."""
        return None if self.anonymous else self.author

    @property
    def byline(self) -> str:
        if self.anonymous:
            return alias_label(self.alias)
        return _byline(self.author, False)

    @property
    def author_url(self) -> str:
        """The author's profile page, where the byline links (and how to mention
        them); empty when anonymous or when the author cannot be mentioned."""
        if self.anonymous or self.author is None:
            return ""
        profile = getattr(self.author, "profile", None)
        if profile is None or profile.hidden or not profile.mention_key:
            return ""
        from community.mentions import profile_url

        return profile_url(self.author_id)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_edited(self) -> bool:
        return self.edited_at is not None


class PostRevision(models.Model):
    """A post's earlier text, kept for moderators when it is edited."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    created = models.DateTimeField(auto_now_add=True)
    edited_by_moderator = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created", "-pk"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.created:%Y-%m-%d %H:%M}"


class ReactionKind(models.TextChoices):
    HELPFUL = "helpful", _("Helpful")
    TRIED = "tried", _("We tried this too")
    THANKS = "thanks", _("Thank you")


REACTION_COUNTERS = {
    ReactionKind.HELPFUL: "helpful_count",
    ReactionKind.TRIED: "tried_count",
    ReactionKind.THANKS: "thanks_count",
}


class Reaction(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["post", "user", "kind"], name="forums_unique_reaction"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.post_id}"


class Follow(models.Model):
    """A followed thread or a followed space (exactly one of the two)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_follows"
    )
    space = models.ForeignKey(
        Space, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="follows"
    )
    # A followed space's every new post by email, to answer from the inbox
    # (mailing-list mode; ``forums.tasks.send_space_post_emails``).
    every_post = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(space__isnull=True, thread__isnull=False)
                    | models.Q(space__isnull=False, thread__isnull=True)
                ),
                name="forums_follow_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "space"], name="forums_unique_space_follow"
            ),
            models.UniqueConstraint(
                fields=["user", "thread"], name="forums_unique_thread_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"follow {self.space_id or ''}{self.thread_id or ''}"


class ThreadRead(models.Model):
    """How far a member has read a thread, by post number."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="reads")
    last_read_number = models.PositiveIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "thread"], name="forums_unique_thread_read"
            )
        ]

    def __str__(self) -> str:
        return f"{self.thread_id} read to {self.last_read_number}"


class NotificationKind(models.TextChoices):
    REPLY = "reply", _("Reply to your thread")
    MENTION = "mention", _("Mention")
    ANSWER = "answer", _("Answer marked")
    FOLLOWED = "followed", _("New post in a followed thread")


class Notification(models.Model):
    """An in-app notification. ``actor`` stays empty when the act was anonymous."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forum_notifications",
    )
    kind = models.CharField(max_length=16, choices=NotificationKind.choices)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="forums_notif_unread"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.thread_id}"

    @property
    def actor_name(self) -> str:
        """Who acted, as the thread shows them: an anonymous post's alias ("Colleague
        A"), never its author."""
        if self.actor_id is None and self.post_id and self.post.anonymous:
            return alias_label(self.post.alias)
        return _byline(self.actor, self.actor is None)


class Digest(models.TextChoices):
    NONE = "none", _("No digest")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")


class EmailKind(models.TextChoices):
    """What one unsubscribe link switches off."""

    REPLY = "reply", _("replies to your threads")
    MENTION = "mention", _("mentions")
    ANSWER = "answer", _("answers marked on your questions")
    DIGEST = "digest", _("the digest of new threads")
    EVERY_POST = "every_post", _("every new post in the spaces you chose")
    MESSAGE = "message", _("new private messages")


class Preferences(models.Model):
    """A member's forum email choices and visit times."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="forum_preferences",
    )
    email_reply = models.BooleanField(_("email me replies to my threads"), default=True)
    email_mention = models.BooleanField(_("email me when I am mentioned"), default=True)
    email_answer = models.BooleanField(
        _("email me when an answer is marked on my question"), default=True
    )
    email_message = models.BooleanField(
        _("email me new private messages"), default=True
    )
    digest = models.CharField(
        _("digest of new threads in spaces I follow"),
        max_length=8,
        choices=Digest.choices,
        default=Digest.WEEKLY,
    )
    last_seen_at = models.DateTimeField(null=True, blank=True)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("forum preferences")
        verbose_name_plural = _("forum preferences")

    def __str__(self) -> str:
        return f"preferences of {self.user_id}"

    def wants(self, kind: str) -> bool:
        if kind == EmailKind.DIGEST:
            return self.digest != Digest.NONE
        if kind == EmailKind.EVERY_POST:  # chosen space by space, on the follow
            return True
        return bool(getattr(self, f"email_{kind}", False))


# --- Chat: the one chat system (rooms of a space or of an event) ---------------------


class RoomKind(models.TextChoices):
    SPACE = "space", _("Space chat")
    EVENT = "event", _("Event chat")
    CONVERSATION = "conversation", _("Private conversation")


class Room(models.Model):
    """A chat room. A space has one; an event app opens and closes its own."""

    kind = models.CharField(max_length=16, choices=RoomKind.choices)
    space = models.OneToOneField(
        Space, null=True, blank=True, on_delete=models.CASCADE, related_name="room"
    )
    title = models.CharField(_("title"), max_length=200)
    allow_anonymous = models.BooleanField(
        _("anonymous messages allowed"),
        default=False,
        help_text=_(
            "Event rooms only; a space room follows its space's safe-space choice."
        ),
    )
    opens_at = models.DateTimeField(null=True, blank=True)
    closes_at = models.DateTimeField(null=True, blank=True)
    slow_mode_seconds = models.PositiveIntegerField(_("slow mode (seconds)"), default=0)
    # The last message's sequence number: raised under a lock on this row inside each
    # message's transaction, so sequence numbers are gap-free and in commit order.
    last_seq = models.PositiveIntegerField(default=0, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("chat room")
        verbose_name_plural = _("chat rooms")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("forums:chat_room", args=[self.pk])

    @property
    def anonymous_allowed(self) -> bool:
        if self.space_id is not None:
            return self.space.safe_space
        return self.allow_anonymous

    def is_open(self, now=None) -> bool:
        from django.utils import timezone

        now = now or timezone.now()
        if self.opens_at is not None and now < self.opens_at:
            return False
        return self.closes_at is None or now < self.closes_at


class ChatMessage(models.Model):
    """Stored first, broadcast on commit. ``client_id`` makes a resend harmless.

    ``seq`` numbers a room's messages 1, 2, 3… in commit order; it is the only number
    any client sees (frames, ``?after=``, anchors). The primary key, a site-wide
    sequence, would place an anonymous message among other rooms' named ones.
    """

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveIntegerField(editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    anonymous = models.BooleanField(default=False)
    # "Colleague A" is 1: stable for one author within one room, never across rooms.
    alias = models.PositiveSmallIntegerField(null=True, blank=True)
    client_id = models.UUIDField()
    body = models.TextField(max_length=2000)
    body_html = models.TextField(editable=False)
    reply_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text=_("Hidden by moderation."))

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["room", "author", "client_id"], name="forums_chat_idempotent"
            ),
            models.UniqueConstraint(
                fields=["room", "seq"], name="forums_chat_room_seq"
            ),
        ]
        indexes = [models.Index(fields=["room", "id"], name="forums_chat_room_id")]
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")

    def __str__(self) -> str:
        return f"{self.room_id}:{self.seq}"

    @property
    def byline(self) -> str:
        if self.anonymous:
            return alias_label(self.alias)
        return _byline(self.author, False)


def alias_label(number: int | None) -> str:
    """ "Colleague A", "Colleague B", … "Colleague AA": per room, never linkable."""
    if not number:
        return str(_("A colleague"))
    letters = ""
    n = number
    while n > 0:
        n, rest = divmod(n - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return str(_("Colleague %(letter)s") % {"letter": letters})


class Poll(models.Model):
    """A question with a few answers, in a thread or in a chat room (a webinar's live
    poll). The ballot is secret: who voted is kept (one vote each), what they chose
    is not; only each answer's count is. No author is kept either: a thread's poll
    is its thread author's or its moderators', a room's its moderators'."""

    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="polls"
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.CASCADE, related_name="polls"
    )
    question = models.CharField(_("question"), max_length=200)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(thread__isnull=True, room__isnull=False)
                | models.Q(thread__isnull=False, room__isnull=True),
                name="forums_poll_in_thread_or_room",
            )
        ]
        ordering = ["-created", "-id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.question

    def is_open(self, now=None) -> bool:
        from django.utils import timezone

        return self.closes_at is None or (now or timezone.now()) < self.closes_at


class PollChoice(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="choices")
    label = models.CharField(_("answer"), max_length=120)
    position = models.PositiveSmallIntegerField()
    # Raised in the vote's transaction, beside the voter's row: the count is all
    # that is kept of a choice.
    votes = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["poll", "position"], name="forums_poll_choice_position"
            )
        ]

    def __str__(self) -> str:
        return self.label


class PollVoter(models.Model):
    """That a member has voted in a poll: never what they chose."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="voters")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # To the day: an exact time beside a count that moved at that moment would
    # tell which answer was theirs.
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="forums_poll_voter")
        ]

    def __str__(self) -> str:
        return f"{self.poll_id}:{self.user_id}"


# Private conversations: imported here so they belong to this app.
from .conversations.models import Block, Conversation, Participant  # noqa: E402, F401
