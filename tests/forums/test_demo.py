"""The demo forums: every visibility, a safe space with anonymous posts.

Seeded under the real rate limits, and a second seed changes nothing: both in
``tests/test_seed_demo.py``, on the same module-wide seed (``seeded_demo``)."""

from forums.models import Notification, Post, Space, Thread, Visibility


def test_demo_forums_hold_every_kind_of_space_and_thread(seeded_demo, db):
    assert Thread.objects.count() >= 30
    assert set(Space.objects.values_list("visibility", flat=True)) == set(
        Visibility.values
    )
    safe = Space.objects.get(safe_space=True)
    anonymous = Post.objects.filter(
        space=safe, anonymous=True, author__email="safe.poster@demo.example"
    )
    assert anonymous.count() >= 5
    assert Thread.objects.filter(
        kind="question", accepted_answer__isnull=False
    ).exists()
    assert Thread.objects.filter(kind="change_story", outcome="worked").exists()
    assert Thread.objects.filter(kind="change_story", outcome="did_not_work").exists()
    # A reply mentions two members by display name: links to their pages, and a bell.
    mention = Post.objects.get(body__contains="@Esther (nurse)")
    assert mention.body_html.count('class="mention"') == 2
    assert Notification.objects.filter(
        kind="mention", post=mention, user__email="nurse.lakeside@demo.example"
    ).exists()


def test_the_demo_coach_reads_a_space_from_her_inbox(seeded_demo, db):
    from forums.models import Follow

    follow = Follow.objects.get(user__email="coach@demo.example", every_post=True)
    assert follow.space is not None


def test_the_labour_ward_has_its_space_and_the_newborn_unit_its_session(
    seeded_demo, db
):
    from community.models import Department
    from events.models import Event

    labour = Department.objects.get(name="Labour ward")
    space = Space.objects.get(department=labour)
    assert space.organisation == labour.facility and not space.safe_space
    assert space.threads.get().posts.count() == 3
    session = Event.objects.get(department__name="Newborn unit")
    assert session.organiser == labour.facility
