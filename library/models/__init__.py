from .base import (
    RESOURCE_KINDS,
    Kind,
    Language,
    LibraryIndexPage,
    LibraryItem,
    LibrarySectionPage,
    TaggedLibraryItem,
)
from .case_studies import (
    CaseStudyChange,
    CaseStudyPage,
    CaseStudyResult,
    Outcome,
    Setting,
)
from .newsletters import (
    Delivery,
    NewsletterArchivePage,
    NewsletterIssuePage,
    Subscriber,
    SubscriberStatus,
)
from .podcasts import EpisodeType, PodcastEpisodePage, PodcastShowPage, read_duration
from .resources import ResourceAttachment, ResourceLink, ResourcePage, file_type_label
from .workflows import NationalReviewTask

__all__ = [
    "RESOURCE_KINDS",
    "CaseStudyChange",
    "CaseStudyPage",
    "CaseStudyResult",
    "Delivery",
    "EpisodeType",
    "Kind",
    "Language",
    "LibraryIndexPage",
    "LibraryItem",
    "LibrarySectionPage",
    "NationalReviewTask",
    "NewsletterArchivePage",
    "NewsletterIssuePage",
    "Outcome",
    "PodcastEpisodePage",
    "PodcastShowPage",
    "ResourceAttachment",
    "ResourceLink",
    "ResourcePage",
    "Setting",
    "Subscriber",
    "SubscriberStatus",
    "TaggedLibraryItem",
    "file_type_label",
    "read_duration",
]
