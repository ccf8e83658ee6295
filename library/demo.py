"""Demo library: resources across types, districts, languages and years; three case
studies with data; a podcast with three episodes; two sent newsletter issues.

Idempotent: pages are found by slug, documents by title, and a sent issue is never
sent again. Files (PDFs, MP3s, cover art) are generated here, not downloaded.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.text import slugify
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from . import services
from .media import cover_art, minimal_pdf, silent_mp3
from .models import (
    CaseStudyChange,
    CaseStudyPage,
    CaseStudyResult,
    Kind,
    Language,
    LibraryIndexPage,
    NewsletterArchivePage,
    NewsletterIssuePage,
    PodcastEpisodePage,
    PodcastShowPage,
    ResourceAttachment,
    ResourceLink,
    ResourcePage,
    Subscriber,
)

T, G, P, TPL = Kind.TOOL, Kind.GUIDELINE, Kind.POLICY, Kind.TEMPLATE

# (title, kind, district slug or None, year, month, tags, languages, summary,
#  paragraphs, steps)
RESOURCES = [
    (
        "Postpartum haemorrhage bundle checklist",
        T,
        None,
        2025,
        3,
        ["postpartum haemorrhage", "emergency kits"],
        ["en", "fr"],
        "A one-page checklist for the first hour after birth: uterotonic, uterine massage, tranexamic acid within three hours, and when to call for help.",
        [
            "Postpartum haemorrhage is still the leading direct cause of maternal death. Most deaths happen in the first hours, and most are preventable when the team acts in a fixed order.",
            "Print the checklist, laminate it and keep it in the PPH kit, not in a drawer.",
        ],
        [
            "Call for help and note the time",
            "Give oxytocin 10 IU IM or IV",
            "Massage the uterus",
            "Give tranexamic acid 1 g IV within 3 hours of birth",
            "Measure blood loss with a calibrated drape",
        ],
    ),
    (
        "Calibrated drape: measuring blood loss after vaginal birth",
        G,
        None,
        2024,
        11,
        ["postpartum haemorrhage", "labour monitoring"],
        ["en"],
        "How to place and read a calibrated under-buttocks drape, and why visual estimates miss one haemorrhage in three.",
        [
            "Visual estimation of blood loss underestimates large haemorrhages. A calibrated drape gives the team a number everyone can see.",
            "Place the drape after the birth of the baby and before the placenta; read it at 15-minute intervals for the first hour.",
        ],
        [
            "Place the drape under the buttocks",
            "Read the level at 15, 30, 45 and 60 minutes",
            "Trigger the bundle at 300 ml with signs of shock, or at 500 ml",
        ],
    ),
    (
        "PPH emergency trolley: what to stock and how to check it",
        T,
        "lakeside",
        2024,
        6,
        ["postpartum haemorrhage", "emergency kits", "equipment"],
        ["en", "sw"],
        "A stock list and a weekly check card for the PPH trolley, tested in Lakeside District's four facilities.",
        [
            "Drugs expire and kits get raided for other emergencies. A named person checks the trolley every Monday and signs the card."
        ],
        [
            "Oxytocin (cold chain)",
            "Tranexamic acid",
            "IV cannulas 16G and 18G",
            "Two litres of crystalloid",
            "Calibrated drape",
            "Non-pneumatic anti-shock garment",
        ],
    ),
    (
        "National guideline on management of pre-eclampsia and eclampsia",
        G,
        None,
        2023,
        9,
        ["pre-eclampsia", "medicines"],
        ["en", "fr"],
        "The national guideline: screening at every antenatal visit, magnesium sulphate loading and maintenance, and criteria for referral.",
        [
            "Every woman has her blood pressure and urine protein checked at every antenatal visit.",
            "Magnesium sulphate is given by the first facility that sees a woman with severe pre-eclampsia, before referral.",
        ],
        [],
    ),
    (
        "Magnesium sulphate dosing wall chart",
        T,
        None,
        2023,
        10,
        ["pre-eclampsia", "medication safety"],
        ["en", "fr", "pt"],
        "A wall chart with the loading and maintenance doses, toxicity signs and the antidote, for the labour ward wall.",
        [
            "Dosing errors with magnesium sulphate are common at night. A chart at eye level beside the drug cupboard removes the arithmetic."
        ],
        [
            "Loading dose: 4 g IV over 5–10 minutes plus 10 g IM",
            "Maintenance: 5 g IM every 4 hours",
            "Check reflexes, breathing and urine output before each dose",
            "Antidote: calcium gluconate 1 g IV",
        ],
    ),
    (
        "Kangaroo mother care: starting it on the first day",
        G,
        None,
        2024,
        2,
        ["kangaroo mother care", "newborn care", "hypothermia"],
        ["en", "fr"],
        "Start continuous skin-to-skin care as soon as a small baby is stable, with the mother or a companion, day and night.",
        [
            "Immediate kangaroo mother care for babies under 2 kg reduces deaths. Mothers need a bed, a wrap and a companion to take turns."
        ],
        [
            "Prepare the wrap and the bed",
            "Place the baby upright between the breasts",
            "Check temperature and breathing every 3 hours",
            "Record feeds on the chart",
        ],
    ),
    (
        "Newborn temperature chart for night shifts",
        TPL,
        "northern-hills",
        2025,
        1,
        ["newborn care", "hypothermia", "kangaroo mother care"],
        ["en"],
        "A wall chart any passer-by can tick: one row per baby, one column per three hours. Made by Hillside District Hospital.",
        [
            "One nurse cannot check fourteen babies. A shared wall chart lets mothers, companions and cleaners call the nurse when a box is missed."
        ],
        [],
    ),
    (
        "Helping Babies Breathe: the golden minute",
        G,
        None,
        2022,
        5,
        ["resuscitation", "newborn care", "training"],
        ["en", "fr", "pt"],
        "Dry, stimulate, clear the airway if needed and ventilate within the golden minute: the steps, and how to keep skills fresh.",
        [
            "Skills fade within months. Short practice on a mannequin every week keeps them."
        ],
        [
            "Dry thoroughly",
            "Keep warm",
            "Clear airway only if needed",
            "Ventilate with bag and mask within one minute",
        ],
    ),
    (
        "Low-dose, high-frequency resuscitation practice log",
        TPL,
        "coastal-plains",
        2024,
        8,
        ["resuscitation", "training"],
        ["en"],
        "A monthly log for five-minute mannequin practice at the start of shifts, used across Coastal Plains District.",
        [
            "Practise often and briefly. The log shows the team, not managers, who has practised this month."
        ],
        [],
    ),
    (
        "Hand hygiene observation tool (five moments)",
        T,
        None,
        2022,
        3,
        ["hand hygiene", "infection prevention"],
        ["en", "fr"],
        "An observation form for the WHO five moments, with instructions for peer observers and a compliance calculation.",
        [
            "Observe for twenty minutes, never the same colleague twice in a row, and share the result with the team the same day."
        ],
        [
            "Before touching a patient",
            "Before clean or aseptic procedures",
            "After body fluid exposure",
            "After touching a patient",
            "After touching patient surroundings",
        ],
    ),
    (
        "Infection prevention in the labour ward: minimum standards",
        P,
        None,
        2023,
        1,
        ["infection prevention", "sterilisation", "maternity"],
        ["en", "fr"],
        "The national minimum standards for water, hand hygiene stations, instrument processing and waste in labour wards.",
        [
            "Every labour ward has running water or a filled bucket with a tap, soap or alcohol rub at each bed, and a clean delivery kit per birth."
        ],
        [],
    ),
    (
        "Instrument sterilisation log",
        TPL,
        "lakeside",
        2023,
        4,
        ["sterilisation", "infection prevention"],
        ["en", "sw"],
        "A daily autoclave log with indicator strip results, designed with the theatre team at Lakeside Regional Hospital.",
        [
            "Record each cycle with its indicator strip; a failed strip means the whole load is reprocessed."
        ],
        [],
    ),
    (
        "Surgical site infection surveillance after caesarean section",
        G,
        None,
        2024,
        4,
        ["surgical site infection", "caesarean section", "infection prevention"],
        ["en"],
        "How to follow up women for 30 days after caesarean section by phone and at postnatal visits, and count infections.",
        [
            "Most surgical site infections appear after discharge. A phone call on day 7 and day 30 finds them."
        ],
        [
            "List every caesarean section",
            "Call on day 7 and day 30",
            "Record signs with the standard definition",
            "Report the rate monthly",
        ],
    ),
    (
        "Respectful maternity care charter",
        P,
        None,
        2022,
        10,
        ["respectful maternity care", "maternity"],
        ["en", "fr", "pt", "sw"],
        "Every woman's right to dignity, privacy, information, a companion of her choice and freedom from harm during childbirth.",
        [
            "The charter is displayed in every maternity unit, in the languages women speak."
        ],
        [],
    ),
    (
        "Birth companion orientation session",
        T,
        "coastal-plains",
        2025,
        2,
        ["respectful maternity care", "maternity", "training"],
        ["en", "fr"],
        "A 20-minute orientation for companions: what they can do, when to call a midwife, and how to support a woman in labour.",
        [
            "Companions improve women's experience and can spot danger signs. Twenty minutes on admission is enough."
        ],
        [
            "Welcome and introductions",
            "What a companion can do",
            "Danger signs to report",
            "Hand hygiene",
        ],
    ),
    (
        "Partograph use and review",
        G,
        None,
        2021,
        7,
        ["labour monitoring", "audit"],
        ["en", "fr"],
        "Plot labour on the partograph from admission, act on the alert and action lines, and review ten charts a month as a team.",
        [
            "A partograph only helps if someone acts on it. The monthly review looks for late action, not blame."
        ],
        [],
    ),
    (
        "Maternal death surveillance and response: district guide",
        G,
        None,
        2023,
        6,
        ["audit", "data", "maternity"],
        ["en", "fr"],
        "Notify every maternal death within 24 hours, review it within a week without blame, and act on the findings.",
        [
            "The review asks what went wrong in the system, never who. Findings become actions with owners and dates."
        ],
        [
            "Notify within 24 hours",
            "Review within 7 days",
            "Agree actions with owners",
            "Follow up actions at the next meeting",
        ],
    ),
    (
        "Maternal and perinatal death review form",
        TPL,
        None,
        2023,
        6,
        ["audit", "data"],
        ["en", "fr"],
        "The standard review form with the three delays model and a no-blame statement to read at the start of each meeting.",
        ["Use the form during the review meeting; do not circulate names."],
        [],
    ),
    (
        "Referral policy for obstetric emergencies",
        P,
        None,
        2024,
        1,
        ["referral", "maternity"],
        ["en"],
        "Which emergencies are referred where, who travels with the woman, and what goes in the referral note.",
        [
            "A woman is never referred alone in an emergency: a skilled attendant travels with her and phones ahead."
        ],
        [],
    ),
    (
        "Referral and counter-referral note",
        TPL,
        "northern-hills",
        2024,
        3,
        ["referral"],
        ["en"],
        "A two-part note: the referring facility writes the top, the receiving facility sends back the bottom.",
        [
            "Counter-referral closes the loop: the referring team learns what happened and what to do better."
        ],
        [],
    ),
    (
        "Run charts: a practical guide for facility teams",
        G,
        None,
        2022,
        9,
        ["run charts", "data"],
        ["en", "fr", "pt"],
        "Plot your indicator every month, mark your changes, and read shifts and trends with four simple rules.",
        [
            "A run chart tells you whether a change is an improvement. Plot at least ten points before calling a median."
        ],
        [
            "Choose one indicator",
            "Plot monthly values in time order",
            "Draw the median",
            "Annotate each change",
            "Look for shifts and trends",
        ],
    ),
    (
        "Plan-Do-Study-Act cycle worksheet",
        TPL,
        None,
        2022,
        9,
        ["data", "coaching"],
        ["en", "fr"],
        "A one-page worksheet for one PDSA cycle: the prediction, what happened, and what you will do next.",
        [
            "Small tests, written down, build the team's learning. Write the prediction before the test."
        ],
        [],
    ),
    (
        "Quality improvement coaching visit guide",
        G,
        None,
        2024,
        9,
        ["coaching", "collaborative"],
        ["en", "fr"],
        "How coaches prepare, run and follow up a facility visit every two to three months, focused on the team's own data.",
        [
            "The coach asks questions and listens; the team owns the data and the changes."
        ],
        [
            "Review last visit's actions",
            "Look at the run charts together",
            "Agree one or two next tests",
            "Write down who does what by when",
        ],
    ),
    (
        "Early warning score chart for obstetric patients",
        T,
        "lakeside",
        2025,
        4,
        ["early warning score", "triage", "patient safety"],
        ["en", "sw"],
        "A colour-coded observation chart that triggers a call to the midwife or doctor when a woman's vital signs change.",
        [
            "The chart turns observations into action: two amber or one red means call now."
        ],
        [],
    ),
    (
        "Obstetric triage on arrival",
        G,
        None,
        2025,
        5,
        ["triage", "maternity"],
        ["en", "fr"],
        "Every woman arriving at the maternity unit is seen within 15 minutes and sorted by urgency with a simple triage card.",
        [
            "Waiting kills. A triage card at the door lets any trained staff member decide who is seen first."
        ],
        [
            "Greet and record arrival time",
            "Check danger signs",
            "Assign a colour",
            "Hand over to the midwife",
        ],
    ),
    (
        "Oxygen for newborns: pulse oximetry and supply",
        T,
        "coastal-plains",
        2023,
        11,
        ["oxygen", "newborn care", "equipment"],
        ["en"],
        "When to give oxygen to newborns, target saturations, and a daily check for concentrators and cylinders.",
        [
            "Oxygen saves small babies and harms them in excess. Measure saturation, do not guess."
        ],
        [],
    ),
    (
        "Antenatal care contacts: the eight-contact model",
        P,
        None,
        2021,
        4,
        ["antenatal care", "maternity"],
        ["en", "fr", "pt"],
        "The national policy on eight antenatal contacts, with what happens at each and who can provide it.",
        [
            "The first contact should be before twelve weeks. Community health workers can provide some contacts."
        ],
        [],
    ),
    (
        "Staff wellbeing huddle: five minutes after a difficult shift",
        T,
        None,
        2025,
        6,
        ["wellbeing", "huddles", "teamwork"],
        ["en", "fr"],
        "A short, voluntary huddle after a difficult event: what happened, how we feel, what we need.",
        ["Teams that talk after hard events keep learning instead of hiding mistakes."],
        [
            "What happened (facts only)",
            "How are we?",
            "What do we need?",
            "Who follows up?",
        ],
    ),
]

CASE_STUDIES = [
    {
        "title": "Hillside District Hospital halves postpartum haemorrhage deaths",
        "district": "northern-hills",
        "facility": "hillside-district-hospital",
        "facility_type": "District hospital",
        "setting": "rural",
        "population": "About 210,000 people; 3,900 births a year.",
        "summary": "A labour ward team introduced a PPH bundle, a calibrated drape and a weekly trolley check. Births with active management rose from 58% to 96% in a year.",
        "problem": "<p>Three women died of postpartum haemorrhage in six months. Reviews found oxytocin was often given late or not at all, and blood loss was estimated by eye.</p>",
        "how_found": "<p>Maternal death reviews and a month of audit of every birth.</p>",
        "tools": "Fishbone diagram, five whys, process map of the third stage of labour",
        "changes": [
            (
                "Oxytocin drawn up before every birth",
                "worked",
                "No searching for syringes at the moment it matters.",
            ),
            (
                "Calibrated drape for every vaginal birth",
                "worked",
                "The whole team sees the number and acts at 300 ml.",
            ),
            (
                "Weekly PPH trolley check signed by a named midwife",
                "adapted",
                "Moved to Monday mornings when the pharmacy delivers.",
            ),
            (
                "SMS reminders to staff on active management",
                "did_not_work",
                "Messages were ignored on busy shifts; the drawn-up syringe did the reminding.",
            ),
        ],
        "indicator": "Births with active management of the third stage",
        "unit": "%",
        "results": [
            ("2024 Q1", "58"),
            ("2024 Q2", "71"),
            ("2024 Q3", "88"),
            ("2024 Q4", "93"),
            ("2025 Q1", "96"),
        ],
        "tags": ["postpartum haemorrhage", "emergency kits", "run charts"],
        "lessons": "<p>Start with the thing staff find hardest at 3 a.m. Put the supplies where the hands are.</p>",
        "contacts": "Maternity unit in-charge, Hillside District Hospital (maternity@hillside.example)",
    },
    {
        "title": "Kangaroo mother care day and night at Lakeside Regional Hospital",
        "district": "lakeside",
        "facility": "lakeside-regional-hospital",
        "facility_type": "Regional referral hospital",
        "setting": "urban",
        "population": "Referral hospital for 600,000 people; 40-cot newborn unit.",
        "summary": "Companions took turns at night so small babies stayed skin-to-skin. Babies under 2 kg kept warm at night rose from 41% to 83%.",
        "problem": "<p>Small babies were found cold at the morning round. Skin-to-skin care stopped when mothers slept.</p>",
        "how_found": "<p>Night temperature audits by the QI team, two nights a week for a month.</p>",
        "tools": "Process map, Pareto chart of reasons for interruption",
        "changes": [
            (
                "Companions trained in 20 minutes to take turns",
                "worked",
                "Mothers could sleep without ending skin-to-skin care.",
            ),
            (
                "Babies under 2 kg moved to the bay beside the nurses' desk",
                "worked",
                "The nurse sees every small baby without walking the ward.",
            ),
            (
                "Heated mattresses",
                "did_not_work",
                "Power cuts at night made them unreliable.",
            ),
        ],
        "indicator": "Babies under 2 kg with normal temperature at 6 a.m.",
        "unit": "%",
        "results": [
            ("Jan", "41"),
            ("Feb", "52"),
            ("Mar", "66"),
            ("Apr", "74"),
            ("May", "81"),
            ("Jun", "83"),
        ],
        "tags": ["kangaroo mother care", "hypothermia", "newborn care"],
        "lessons": "<p>Families are part of the care team. Twenty minutes of training is enough to start.</p>",
        "contacts": "Newborn unit QI team, Lakeside Regional Hospital",
    },
    {
        "title": "Port Amara cuts caesarean wound infections with a day-7 phone call",
        "district": "coastal-plains",
        "facility": "port-amara-general-hospital",
        "facility_type": "General hospital",
        "setting": "peri_urban",
        "population": "About 150,000 people; 700 caesarean sections a year.",
        "summary": "Following up every woman by phone found infections the ward never saw; skin preparation changes then cut the rate from 9% to 4%.",
        "problem": "<p>The ward reported almost no wound infections, but the postnatal clinic saw many.</p>",
        "how_found": "<p>A month of day-7 and day-30 phone calls to every woman after caesarean section.</p>",
        "tools": "Five whys, checklist audit",
        "changes": [
            (
                "Day-7 and day-30 phone calls",
                "worked",
                "Found infections that were treated elsewhere.",
            ),
            (
                "Chlorhexidine-alcohol skin preparation",
                "worked",
                "Replaced povidone-iodine after a stock change.",
            ),
            (
                "Antibiotic prophylaxis within 60 minutes before incision",
                "adapted",
                "Anaesthetists now give it; the checklist has a tick box.",
            ),
        ],
        "indicator": "Surgical site infection within 30 days",
        "unit": "%",
        "results": [
            ("2023 H1", "9.1"),
            ("2023 H2", "7.4"),
            ("2024 H1", "5.2"),
            ("2024 H2", "4.0"),
        ],
        "tags": [
            "surgical site infection",
            "caesarean section",
            "infection prevention",
        ],
        "lessons": "<p>Measure after discharge, or you will measure nothing.</p>",
        "contacts": "Theatre in-charge, Port Amara General Hospital",
    },
]

EPISODES = [
    (
        1,
        "The golden hour after birth",
        2025,
        2,
        24,
        ["postpartum haemorrhage"],
        "Two midwives from Hillside District Hospital on what changed when they started drawing up oxytocin before every birth.",
        "<p><b>Host:</b> Welcome to Learning Together. Today we are in the labour ward at Hillside District Hospital.</p><p><b>Midwife Amina:</b> We used to look for the oxytocin when the bleeding started. Now it is ready before the baby is born.</p><p><b>Host:</b> What made the difference?</p><p><b>Midwife Amina:</b> Seeing the number on the drape. Nobody argues with a number.</p>",
    ),
    (
        2,
        "Warm nights for small babies",
        2025,
        4,
        20,
        ["kangaroo mother care", "newborn care"],
        "How companions at Lakeside Regional Hospital keep small babies skin-to-skin through the night.",
        "<p><b>Host:</b> Esther, how do you keep fourteen babies warm with one nurse?</p><p><b>Nurse Esther:</b> We do not do it alone. Companions take turns, and the small babies sleep beside our desk.</p>",
    ),
    (
        3,
        "Data that the team owns",
        2025,
        6,
        22,
        ["run charts", "coaching"],
        "A district coach explains how run charts on the ward wall changed conversations at coaching visits.",
        "<p><b>Host:</b> Samuel, you coach twelve facilities. What do you look at first?</p><p><b>Coach Samuel:</b> Their run chart, on their wall, drawn by them. If they drew it, they trust it.</p>",
    ),
]


def _document(title: str, filename: str, content: bytes, collection):
    Document = get_document_model()
    existing = Document.objects.filter(title=title).first()
    if existing is not None:
        return existing
    return services.document_create(
        title=title, filename=filename, content=content, collection=collection
    )


def _publish(page, user):
    page.save_revision(user=user).publish(user=user)


def _resources(index, sections, languages, collection, editor) -> None:
    for (
        title,
        kind,
        district,
        year,
        month,
        tags,
        langs,
        summary,
        paragraphs,
        steps,
    ) in RESOURCES:
        slug = slugify(title)[:80]
        if ResourcePage.objects.filter(slug=slug).exists():
            continue
        parent = sections[district] if district else index
        body = [("paragraph", f"<p>{p}</p>") for p in paragraphs]
        if steps:
            body.insert(1, ("heading", "Steps"))
            body.insert(2, ("steps", steps))
        page = ResourcePage(
            title=title,
            slug=slug,
            kind=kind,
            summary=summary,
            publication_date=datetime.date(year, month, 15),
            last_reviewed=datetime.date(min(year + 1, 2025), 6, 1),
            body=body,
        )
        pdf = minimal_pdf(title, [summary, *paragraphs, *steps])
        document = _document(title, f"{slug}.pdf", pdf, collection)
        attachments = [ResourceAttachment(document=document, language=languages["en"])]
        if "fr" in langs and kind in (T, G):
            french = _document(
                f"{title} (French)",
                f"{slug}-fr.pdf",
                minimal_pdf(f"{title} (version française)", [summary]),
                collection,
            )
            attachments.append(
                ResourceAttachment(
                    document=french,
                    language=languages["fr"],
                    label=f"{title} — français",
                )
            )
        page.attachments = attachments
        if "fr" not in langs or kind not in (T, G):
            page.attachments = attachments
        if kind == G:
            page.links = [
                ResourceLink(
                    title="WHO recommendations on maternal and newborn care",
                    url="https://www.who.int/publications",
                    publisher="World Health Organization",
                )
            ]
        parent.add_child(instance=page)
        page.languages.set([languages[code] for code in langs])
        page.tags.set(tags)
        _publish(page, editor)


def _case_studies(index, sections, orgs, editor, languages) -> None:
    for data in CASE_STUDIES:
        slug = slugify(data["title"])[:80]
        if CaseStudyPage.objects.filter(slug=slug).exists():
            continue
        page = CaseStudyPage(
            title=data["title"],
            slug=slug,
            summary=data["summary"],
            publication_date=datetime.date(2025, 5, 1),
            facility=orgs[data["facility"]],
            facility_type=data["facility_type"],
            setting=data["setting"],
            population=data["population"],
            problem=data["problem"],
            how_found=data["how_found"],
            root_cause_tools=data["tools"],
            indicator=data["indicator"],
            unit=data["unit"],
            lessons=data["lessons"],
            contacts=data["contacts"],
        )
        page.changes = [
            CaseStudyChange(description=d, outcome=o, why=w, sort_order=i)
            for i, (d, o, w) in enumerate(data["changes"])
        ]
        page.results = [
            CaseStudyResult(period=p, value=Decimal(v), sort_order=i)
            for i, (p, v) in enumerate(data["results"])
        ]
        sections[data["district"]].add_child(instance=page)
        page.languages.set([languages["en"]])
        page.tags.set(data["tags"])
        _publish(page, editor)


def _podcast(index, collection, editor, languages) -> None:
    show = PodcastShowPage.objects.filter(slug="learning-together").first()
    if show is None:
        Image = get_image_model()
        image = Image.objects.filter(title="Learning Together cover art").first()
        if image is None:
            import io

            from django.core.files.images import ImageFile

            image = Image(title="Learning Together cover art", collection=collection)
            image.file = ImageFile(
                io.BytesIO(cover_art("Learning Together")), name="learning-together.png"
            )
            image.save()
        show = PodcastShowPage(
            title="Learning Together",
            slug="learning-together",
            description="Short conversations with midwives, nurses, doctors and coaches about what they changed to make care safer for mothers and newborns, and what did not work.",
            author="National learning centre for quality of care",
            owner_name="National QoC team",
            owner_email="podcast@learning-centre.example",
            image=image,
            copyright="CC BY 4.0",
        )
        index.add_child(instance=show)
        _publish(show, editor)
    for number, title, year, month, seconds, tags, summary, transcript in EPISODES:
        slug = slugify(title)
        if PodcastEpisodePage.objects.filter(slug=slug).exists():
            continue
        audio = _document(
            f"Learning Together {number}: {title}",
            f"learning-together-{number:02d}.mp3",
            silent_mp3(seconds),
            collection,
        )
        low = _document(
            f"Learning Together {number}: {title} (low bandwidth)",
            f"learning-together-{number:02d}-low.mp3",
            silent_mp3(seconds, low_bitrate=True),
            collection,
        )
        episode = PodcastEpisodePage(
            title=title,
            slug=slug,
            summary=summary,
            publication_date=datetime.date(year, month, 1),
            audio=audio,
            audio_low=low,
            transcript=transcript,
            show_notes=f"<p>{summary}</p>",
            episode_number=number,
        )
        show.add_child(instance=episode)
        episode.languages.set([languages["en"]])
        episode.tags.set(tags)
        _publish(episode, editor)


def _newsletters(index, editor, users) -> None:
    archive = NewsletterArchivePage.objects.child_of(index).first()
    if archive is None:
        archive = NewsletterArchivePage(
            title="Newsletter",
            slug="newsletter",
            intro="<p>Once a month: new tools, case studies, podcasts and what colleagues are discussing.</p>",
        )
        index.add_child(instance=archive)
        _publish(archive, editor)
    for key in ("practitioner", "facility.lead", "coach", "nurse.lakeside"):
        user = users.get(key)
        if user is not None and not Subscriber.objects.filter(user=user).exists():
            services.subscription_set_for_member(user=user, subscribed=True)
    issues = [
        (
            "Newsletter: March 2025",
            "march-2025",
            "<p>This month: the postpartum haemorrhage bundle, and what Hillside learned in a year.</p>",
            [
                (
                    "text",
                    "<p>Three districts met in Lakeside for the quarterly collaborative. Thank you to every team who brought their run charts.</p>",
                ),
                (
                    "recent_resources",
                    {"heading": "New in the library", "count": 5, "tag": ""},
                ),
                (
                    "active_discussions",
                    {"heading": "What colleagues are discussing", "count": 3},
                ),
            ],
        ),
        (
            "Newsletter: June 2025",
            "june-2025",
            "<p>Warm nights for small babies, and a new podcast episode on data the team owns.</p>",
            [
                (
                    "recent_resources",
                    {"heading": "Newborn care", "count": 4, "tag": "newborn-care"},
                ),
                ("upcoming_events", {"heading": "Coming up", "count": 3}),
                (
                    "text",
                    "<p>Tell us what you would like in the next issue: reply to this email.</p>",
                ),
            ],
        ),
    ]
    for title, slug, intro, body in issues:
        issue = NewsletterIssuePage.objects.filter(slug=slug).first()
        if issue is None:
            issue = NewsletterIssuePage(title=title, slug=slug, intro=intro, body=body)
            archive.add_child(instance=issue)
            _publish(issue, editor)
        if not issue.is_sent:
            services.newsletter_send(issue=issue, by=editor)


def seed(context: dict) -> None:
    home = context.get("home_page")
    users = context.get("users", {})
    orgs = context.get("organisations", {})
    editor = users.get("editor")
    if home is None or editor is None:
        return
    index = LibraryIndexPage.objects.first()
    if index is None:
        index = LibraryIndexPage(
            title="Library",
            slug="library",
            intro="<p>Tools, guidelines, policies, templates, case studies and podcasts on quality of care for mothers and newborns, from the national team and the districts.</p>",
        )
        home.add_child(instance=index)
        _publish(index, editor)
    services.library_setup(index=index)
    collection, _restricted = services.library_collections()
    sections = {}
    for slug in ("northern-hills", "lakeside", "coastal-plains"):
        if slug in orgs:
            sections[slug] = services.section_create(
                index=index, organisation=orgs[slug]
            )
    languages = {lang.code: lang for lang in Language.objects.all()}
    _resources(index, sections, languages, collection, editor)
    _case_studies(index, sections, orgs, editor, languages)
    _podcast(index, collection, editor, languages)
    _newsletters(index, editor, users)
    context["library_index"] = index
