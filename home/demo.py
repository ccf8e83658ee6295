"""Demo page tree: the home page, an about page and the code of conduct."""

from wagtail.models import Page, Site

from .models import HomePage, StandardPage

INTRO = (
    "<p>Nurses, midwives, doctors, district teams and the national team learn from each "
    "other here: what we tried to improve care for mothers and newborns, what worked, "
    "and what did not.</p>"
)
CODE_OF_CONDUCT = """
<h2>Why this matters</h2>
<p>We learn fastest when people can say what went wrong. This is a place for learning,
not for monitoring or blame.</p>
<h2>We agree to</h2>
<ul>
<li>Be kind and assume good intent. Critique practices and systems, never people.</li>
<li>Never share information that could identify a patient: no names, record numbers,
phone numbers or photos of patients.</li>
<li>Never name or blame an individual colleague.</li>
<li>Respect safe spaces: do not try to find out who wrote an anonymous post.</li>
<li>Share what did not work as readily as what did.</li>
</ul>
<h2>If something goes wrong</h2>
<p>Flag the post. A moderator reviews every flag; anonymous authors are never unmasked.</p>
<h2>If a moderator acted on something you wrote</h2>
<p>You get a note (in your notices and by email) saying which post, what was decided,
what it means for you and the moderator's reason. Nobody is told who flagged it.</p>
<p>Questions, or do you think it was a mistake? Write to the moderators at
moderators@demo.example: a moderator who did not take the decision looks at it again. A
hidden post can also be edited and sent back for review.</p>
"""
ABOUT = """
<p>The national learning centre for quality of care connects facilities, districts and
the national team. It follows the roles for learning about quality of care described by
Lattof et al., BMJ Global Health 2022.</p>
"""


def seed(context: dict) -> None:
    site = Site.objects.filter(is_default_site=True).first()
    home = HomePage.objects.first()
    if home is None:
        root = Page.get_first_root_node()
        home = HomePage(
            title="National learning centre for quality of care",
            slug="learning-centre",
            tagline="Learning together to make every birth safer",
            intro=INTRO,
        )
        root.add_child(instance=home)
        home.save_revision().publish()
        if site is None:
            site = Site.objects.create(
                hostname="localhost",
                port=80,
                root_page=home,
                is_default_site=True,
                site_name="National learning centre",
            )
        else:
            old_root = site.root_page
            site.root_page = home
            site.site_name = "National learning centre"
            site.save()
            if old_root.specific_class is Page and old_root.depth == 2:
                old_root.delete()
    for slug, title, summary, body in [
        (
            "code-of-conduct",
            "Code of conduct",
            "How we keep this a safe place to learn.",
            CODE_OF_CONDUCT,
        ),
        ("about", "About the learning centre", "Who we are and how we work.", ABOUT),
    ]:
        if not StandardPage.objects.filter(slug=slug).exists():
            page = StandardPage(title=title, slug=slug, summary=summary, body=body)
            home.add_child(instance=page)
            page.save_revision().publish()
    context["home_page"] = HomePage.objects.get(pk=home.pk)
