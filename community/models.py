from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager


class Level(models.TextChoices):
    COUNTRY = "country", _("Country")
    DISTRICT = "district", _("District")
    FACILITY = "facility", _("Facility")


class Ownership(models.TextChoices):
    PUBLIC = "public", _("Public")
    PRIVATE = "private", _("Private")


PARENT_LEVEL = {Level.DISTRICT: Level.COUNTRY, Level.FACILITY: Level.DISTRICT}


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known time zone."), params={"value": value}
        )


class OrganisationQuerySet(models.QuerySet):
    def within(self, organisation: "Organisation") -> "OrganisationQuerySet":
        """The organisation and everything below it (three levels at most)."""
        return self.filter(
            models.Q(pk=organisation.pk)
            | models.Q(parent_id=organisation.pk)
            | models.Q(parent__parent_id=organisation.pk)
        )

    def facilities(self) -> "OrganisationQuerySet":
        return self.filter(level=Level.FACILITY)

    def districts(self) -> "OrganisationQuerySet":
        return self.filter(level=Level.DISTRICT)


class Organisation(models.Model):
    """A country, a district of it, or a facility in a district."""

    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    ownership = models.CharField(
        _("ownership"),
        max_length=16,
        choices=Ownership.choices,
        blank=True,
        help_text=_("Facilities only: public or private."),
    )
    # Times are shown to members in their organisation's zone unless they chose one
    # (``community.zones``): set on the country, followed by its districts and
    # facilities.
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text=_(
            "Set it on the country, e.g. Africa/Kigali: its districts and facilities "
            "follow it. Set it on a district only where that part of the country "
            "keeps another time."
        ),
    )

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        expected_parent = PARENT_LEVEL.get(self.level)
        if expected_parent is None and self.parent_id:
            raise ValidationError({"parent": _("A country is not part of anything.")})
        if expected_parent is not None and (
            self.parent is None or self.parent.level != expected_parent
        ):
            raise ValidationError(
                {
                    "parent": _("A %(level)s must be part of a %(parent)s.")
                    % {
                        "level": self.get_level_display().lower(),
                        "parent": Level(expected_parent).label.lower(),
                    }
                }
            )
        if self.level == Level.FACILITY and not self.ownership:
            raise ValidationError(
                {"ownership": _("Say whether the facility is public or private.")}
            )
        if self.level != Level.FACILITY and self.ownership:
            raise ValidationError(
                {"ownership": _("Only facilities are public or private.")}
            )

    @property
    def lineage_ids(self) -> list[int]:
        """This organisation's id and its ancestors' (at most three ids)."""
        ids = [self.pk]
        node = self
        while node.parent_id is not None:
            ids.append(node.parent_id)
            node = node.parent
        return ids

    @property
    def district(self) -> "Organisation | None":
        if self.level == Level.DISTRICT:
            return self
        if self.level == Level.FACILITY:
            return self.parent
        return None


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", _("Practitioner")
    QI_MEMBER = "qi_member", _("QI team member")
    FACILITY_LEAD = "facility_lead", _("Facility lead")
    COACH = "coach", _("Coach")
    DISTRICT_LEAD = "district_lead", _("District lead")
    NATIONAL_TEAM = "national_team", _("National team member")
    NATIONAL_EDITOR = "national_editor", _("Editor")
    MODERATOR = "moderator", _("Moderator")


class Membership(models.Model):
    """A user's role at an organisation; its capabilities reach the whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    trusted_publisher = models.BooleanField(
        _("trusted publisher"),
        default=False,
        help_text=_("Editors only: publish in their own section without review."),
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "role"], name="unique_membership_role"
            )
        ]
        ordering = ["organisation__name", "role"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.get_role_display()} · {self.organisation}"


class Department(models.Model):
    """A ward or unit of a facility: the labour ward, the newborn unit.

    Not a fourth level of the organisation tree: roles, belonging and every count stay
    at the facility, where groups are large enough that a number or an anonymous post
    does not point at a person. A department is where work and conversation are
    scoped (its people, spaces, QI projects, events), so a success in one ward is
    visible to the next."""

    facility = models.ForeignKey(
        Organisation,
        verbose_name=_("facility"),
        on_delete=models.CASCADE,
        related_name="departments",
        limit_choices_to={"level": Level.FACILITY},
    )
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["facility", "slug"], name="unique_department_slug"
            ),
        ]
        verbose_name = _("department")
        verbose_name_plural = _("departments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("community:department", args=[self.facility_id, self.slug])

    def clean(self) -> None:
        if self.facility_id and self.facility.level != Level.FACILITY:
            raise ValidationError(
                {"facility": _("Departments are wards or units of a facility.")}
            )


class DepartmentMember(models.Model):
    """A member says they work in a department of their facility (one or several:
    staff rotate). Their role stays their facility membership's."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="department_memberships",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "user"], name="unique_department_member"
            )
        ]
        verbose_name = _("department member")
        verbose_name_plural = _("department members")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.department}"


class Profile(models.Model):
    """What a member chooses to say about themselves. Never shown on anonymous posts."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=80, blank=True)
    # The display name folded (case, accents, spaces: ``community.mentions.fold``), so
    # "@amina uwase" finds "Amina Uwase" in one indexed look-up. Kept by ``save``.
    mention_key = models.CharField(
        max_length=200, blank=True, db_index=True, editable=False
    )
    languages = models.CharField(
        _("languages"),
        max_length=100,
        blank=True,
        help_text=_("Languages you can discuss in, e.g. “English, French”."),
    )
    # Empty: the member follows their organisation's zone (``community.zones``).
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        default="",
        validators=[validate_timezone],
    )
    language = models.CharField(
        _("language for emails"),
        max_length=8,
        blank=True,
        help_text=_("Emails and reminders are sent in this language."),
    )
    bio = models.TextField(_("short bio"), max_length=600, blank=True)
    # ``community.datasaver``: pictures wait for a tap.
    save_data = models.BooleanField(
        _("save data"),
        default=False,
        help_text=_(
            "Photos wait until you tap them, each showing its size first. For slow"
            " or costly connections."
        ),
    )
    # ``community.push``: the kinds of notification the member asked for on their
    # phones (none until they choose), and the hours, in their zone, when none come.
    push_kinds = models.JSONField(default=list, blank=True, editable=False)
    quiet_from = models.TimeField(_("quiet from"), null=True, blank=True)
    quiet_until = models.TimeField(_("quiet until"), null=True, blank=True)
    expertise = TaggableManager(
        verbose_name=_("expertise"),
        blank=True,
        help_text=_("Topics you can help others with."),
    )
    code_of_conduct_accepted_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(
        _("hidden by moderators"),
        default=False,
        help_text=_("A hidden profile shows only “Member”, with no bio."),
    )

    # The member directory is opt-in, and each field shown is the member's choice; the
    # display name is always shown for a listed member.
    listed_in_directory = models.BooleanField(
        _("list me in the member directory"),
        default=False,
        help_text=_("Colleagues can then find you by what you know and have tried."),
    )
    show_facility = models.BooleanField(_("show my facility"), default=False)
    show_district = models.BooleanField(_("show my district"), default=False)
    show_bio = models.BooleanField(_("show my bio"), default=False)
    show_expertise = models.BooleanField(_("show my expertise"), default=True)

    # Leaving (``community.personal_data``): set when the member asks, cleared if they
    # cancel; the account is erased once the day has passed.
    deletion_due_at = models.DateTimeField(null=True, blank=True, editable=False)
    deletion_removes_named = models.BooleanField(default=False, editable=False)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.public_name

    def save(self, *args, **kwargs):
        from .mentions import fold

        self.mention_key = fold(self.display_name)
        fields = kwargs.get("update_fields")
        if fields is not None and "display_name" in fields:
            kwargs["update_fields"] = {*fields, "mention_key"}
        super().save(*args, **kwargs)

    @property
    def public_name(self) -> str:
        if self.hidden:
            return str(_("Member"))
        return self.display_name or str(_("Member"))


class PushSubscription(models.Model):
    """One browser that accepted notifications for a member (``community.push``).
    The endpoint is the push service's address for that browser: personal, kept
    until the member turns it off, leaves, or the service says it is gone."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="push_subscriptions",
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"push subscription {self.pk}"


class PhoneNumber(models.Model):
    """A member's phone number, for signing up and in by SMS code
    (``community.phones``). Seen by the member alone: never on a page, feed,
    export or admin screen of anyone else. Only a verified number belongs to one
    member; an unverified one may be pending on several sign-ups, so typing someone
    else's number cannot take it from them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_number"
    )
    number = models.CharField(_("phone number"), max_length=20)  # E.164
    verified = models.BooleanField(default=False)
    changed = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(
                fields=["number"],
                condition=models.Q(verified=True),
                name="community_phone_verified_once",
            )
        ]
        indexes = [models.Index(fields=["number"], name="community_phone_number")]

    def __str__(self) -> str:
        return f"phone number {self.pk}"
