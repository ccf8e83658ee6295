"""The demo library, and the small real files the seed writes by hand."""

import io
import re

import mutagen
import pytest
from django.core.management import call_command

from library.media import cover_art, minimal_pdf, silent_mp3


def test_minimal_pdf_is_a_structurally_valid_pdf():
    data = minimal_pdf("Magnesium (MgSO4) chart", ["Loading dose 4 g IV \\ 10 g IM."])
    assert data.startswith(b"%PDF-1.4\n") and data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\n(\d+)\n", data).group(1))
    assert data[startxref:].startswith(b"xref\n")
    offsets = [int(o) for o in re.findall(rb"(\d{10}) 00000 n ", data)]
    assert len(offsets) == 6
    for number, offset in enumerate(offsets, 1):
        assert data[offset:].startswith(b"%d 0 obj" % number)
    length = int(re.search(rb"/Length (\d+)", data).group(1))
    stream = data.split(b"stream\n", 1)[1].split(b"\nendstream", 1)[0]
    assert len(stream) == length
    assert b"(Magnesium \\(MgSO4\\) chart) Tj" in stream


@pytest.mark.parametrize(("low", "bitrate"), [(False, 32000), (True, 8000)])
def test_silent_mp3_has_the_duration_mutagen_reads(low, bitrate):
    audio = mutagen.File(io.BytesIO(silent_mp3(30, low_bitrate=low)))
    assert round(audio.info.length) == 30
    assert audio.info.bitrate == bitrate


def test_cover_art_is_a_square_png():
    from PIL import Image

    image = Image.open(io.BytesIO(cover_art("Learning Together")))
    assert image.format == "PNG" and image.size == (1400, 1400)


def test_demo_library_is_rich_and_real(
    db, settings, tmp_path, mailoutbox, django_capture_on_commit_callbacks
):
    from library.models import (
        CaseStudyPage,
        Kind,
        LibraryItem,
        NewsletterIssuePage,
        PodcastEpisodePage,
        ResourceAttachment,
        ResourcePage,
    )

    settings.MEDIA_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", quiet_accounts=True)
    resources = ResourcePage.objects.live()
    assert resources.count() >= 25
    assert set(resources.values_list("kind", flat=True)) == {
        Kind.TOOL,
        Kind.GUIDELINE,
        Kind.POLICY,
        Kind.TEMPLATE,
    }
    assert len({p.publication_date.year for p in resources}) >= 4
    attachment = ResourceAttachment.objects.select_related("document").first()
    with attachment.document.open_file() as handle:
        assert handle.read(8) == b"%PDF-1.4"
    studies = CaseStudyPage.objects.live()
    assert studies.count() == 3
    assert all(s.results.count() >= 4 and s.changes.count() >= 3 for s in studies)
    episodes = PodcastEpisodePage.objects.live()
    assert episodes.count() == 3
    assert all(e.duration_seconds and e.transcript and e.audio_low_id for e in episodes)
    sent = NewsletterIssuePage.objects.filter(send_started_at__isnull=False)
    assert sent.count() == 2
    assert all(i.deliveries.filter(sent_at__isnull=False).exists() for i in sent)
    # Other apps' demo mail (a moderation notice for a held post, the workflow email
    # for an event recording proposed to the library) is not ours: newsletters are the
    # messages with one-click unsubscribe.
    newsletters = [m for m in mailoutbox if "List-Unsubscribe-Post" in m.extra_headers]
    assert len(newsletters) == 2 * sent.first().deliveries.count()
    tags = set(LibraryItem.objects.values_list("tagged_items__tag__slug", flat=True))
    assert len(tags) >= 15
