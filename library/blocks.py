"""StreamField blocks: a small set that covers QoC tools and guidance, and the
newsletter's blocks that pull in what other parts of the site are doing."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks

BODY_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class CalloutBlock(blocks.StructBlock):
    """A key message: the one thing a busy midwife should take away."""

    title = blocks.CharBlock(label=_("title"), max_length=120)
    text = blocks.RichTextBlock(label=_("text"), features=BODY_FEATURES)

    class Meta:
        icon = "warning"
        label = _("Key message")
        template = "library/blocks/callout.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("quote"), max_length=600)
    source = blocks.CharBlock(label=_("who said it"), max_length=160, required=False)

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "library/blocks/quote.html"


class ResourceBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(
        label=_("Heading"),
        max_length=120,
        icon="title",
        template="library/blocks/heading.html",
    )
    paragraph = blocks.RichTextBlock(
        label=_("Paragraph"), features=BODY_FEATURES, icon="pilcrow"
    )
    steps = blocks.ListBlock(
        blocks.CharBlock(max_length=300),
        label=_("Steps or checklist"),
        icon="list-ol",
        template="library/blocks/steps.html",
    )
    key_message = CalloutBlock()
    quote = QuoteBlock()


class RecentResourcesBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), default=_("New in the library"))
    count = blocks.IntegerBlock(
        label=_("how many"), default=5, min_value=1, max_value=10
    )
    tag = blocks.CharBlock(
        label=_("only with this tag"),
        required=False,
        help_text=_("A tag's slug, e.g. postpartum-haemorrhage. Empty: any tag."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Recent resources")


class UpcomingEventsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(label=_("heading"), default=_("Coming up"))
    count = blocks.IntegerBlock(
        label=_("how many"), default=5, min_value=1, max_value=10
    )

    class Meta:
        icon = "date"
        label = _("Upcoming events")


class ActiveDiscussionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(
        label=_("heading"), default=_("What colleagues are discussing")
    )
    count = blocks.IntegerBlock(
        label=_("how many"), default=5, min_value=1, max_value=10
    )

    class Meta:
        icon = "comment"
        label = _("Active discussions")


class FeaturedResourceBlock(blocks.StructBlock):
    page = blocks.PageChooserBlock(
        label=_("resource"), page_type=["library.LibraryItem"]
    )
    note = blocks.TextBlock(label=_("why read it"), required=False, max_length=400)

    class Meta:
        icon = "pick"
        label = _("Featured resource")


class NewsletterBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(
        label=_("Text"), features=["h3", "bold", "italic", "link", "ol", "ul"]
    )
    featured_resource = FeaturedResourceBlock()
    recent_resources = RecentResourcesBlock()
    upcoming_events = UpcomingEventsBlock()
    active_discussions = ActiveDiscussionsBlock()
