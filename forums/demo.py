"""Demo forums: spaces of every visibility, a safe space, and real-sounding threads.

Idempotent: a space is made once (by slug), a thread once (by space and title);
reactions and answers are given only when their thread is first made.
"""

from __future__ import annotations

from django.utils import timezone

from . import services
from .models import Notification, Outcome, Space, Thread, ThreadKind, Visibility

D, Q, C = ThreadKind.DISCUSSION, ThreadKind.QUESTION, ThreadKind.CHANGE_STORY
WORKED, FAILED, ADAPTED = Outcome.WORKED, Outcome.DID_NOT_WORK, Outcome.ADAPTED

# slug, name, visibility, organisation slug, safe space, description
SPACES = [
    (
        "newborn-care",
        "Newborn care",
        Visibility.PUBLIC,
        None,
        False,
        "Essential newborn care, resuscitation, kangaroo mother care and small and sick newborns.",
    ),
    (
        "infection-prevention",
        "Infection prevention and control",
        Visibility.MEMBERS,
        None,
        False,
        "Hand hygiene, sterilisation, WASH and preventing sepsis, for members across the country.",
    ),
    (
        "maternal-health",
        "Safer births: maternal health",
        Visibility.PUBLIC,
        None,
        False,
        "Postpartum haemorrhage, pre-eclampsia, labour monitoring and respectful maternity care.",
    ),
    (
        "northern-hills-network",
        "Northern Hills district network",
        Visibility.ORGANISATION,
        "northern-hills",
        False,
        "Facilities of Northern Hills compare notes between collaborative meetings.",
    ),
    (
        "lakeside-network",
        "Lakeside district network",
        Visibility.ORGANISATION,
        "lakeside",
        False,
        "Facilities of Lakeside district learning together.",
    ),
    (
        "hillside-qi-team",
        "Hillside QI team room",
        Visibility.ORGANISATION,
        "hillside-district-hospital",
        False,
        "The quality improvement team of Hillside District Hospital.",
    ),
    (
        "speak-freely",
        "Speak freely: when care goes wrong",
        Visibility.MEMBERS,
        None,
        True,
        "A safe space. Post anonymously about near misses and hard days; we learn, we do not blame.",
    ),
    (
        "coaches-circle",
        "Coaches' circle",
        Visibility.PRIVATE,
        None,
        False,
        "Invited coaches and district leads: how we support facilities.",
    ),
]
PRIVATE_MEMBERS = {
    "coaches-circle": ["coach", "district.lead", "lead.lakeside", "national.team"]
}
FOLLOWS = {
    "practitioner": ["newborn-care", "northern-hills-network", "hillside-qi-team"],
    "qi.member": ["infection-prevention", "hillside-qi-team"],
    "nurse.lakeside": ["newborn-care", "lakeside-network"],
    "midwife.coastal": ["maternal-health"],
    "safe.poster": ["speak-freely"],
    "coach": ["northern-hills-network", "coaches-circle"],
}

# (space, kind, outcome, title, author, anonymous, body, tags,
#  [(author, anonymous, body), ...], index of the accepted reply or None,
#  [(reply index, reactor, reaction)])
THREADS = [
    (
        "newborn-care",
        Q,
        "",
        "How do you keep small babies warm during night shifts with one nurse?",
        "practitioner",
        False,
        "We have one nurse for 14 babies at night. Skin-to-skin stops when mothers sleep and we lose temperature checks. What works for you?",
        ["newborn care", "hypothermia"],
        [
            (
                "nurse.lakeside",
                False,
                "We moved all low-birth-weight babies to the bay beside the nurses' desk and gave mothers a wrap with a pocket. Temperatures every 3 hours on a wall chart, ticked by whoever passes.",
            ),
            (
                "midwife.coastal",
                False,
                "Mothers' companions take turns at night. We trained them in 20 minutes on how to check the baby's feet and call us.",
            ),
            (
                "practitioner",
                False,
                # A mention by display name: a link to Esther's page, and her bell.
                "Thank you both, @Esther (nurse) and @Fatou (midwife). We will try the bay beside the desk first.",
            ),
        ],
        0,
        [
            (0, "practitioner", "helpful"),
            (0, "qi.member", "tried"),
            (1, "practitioner", "thanks"),
        ],
    ),
    (
        "newborn-care",
        C,
        WORKED,
        "Kangaroo mother care corner: 30% fewer hypothermia cases in 3 months",
        "facility.lead",
        False,
        "We set up a KMC corner with four beds, curtains and a kettle. We counted hypothermia on admission to the nursery every week. From 11 cases a month to 7.",
        ["kangaroo mother care", "newborn care"],
        [
            (
                "coach",
                False,
                "Lovely run chart. Did you change anything else in those months?",
            ),
            (
                "facility.lead",
                False,
                "Only the morning huddle, where the night nurse reports temperatures. We think both helped.",
            ),
        ],
        None,
        [(0, "facility.lead", "thanks")],
    ),
    (
        "newborn-care",
        Q,
        "",
        "Bag-and-mask practice: how often before skills fade?",
        "qi.member",
        False,
        "Our midwives did Helping Babies Breathe in January. By May half could not show the correct mask seal. How often do you practise?",
        ["resuscitation", "training"],
        [
            (
                "midwife.coastal",
                False,
                "Five minutes on the mannequin at every shift change, once a week per person. We keep a tick list on the labour ward door.",
            ),
            (
                "nurse.lakeside",
                False,
                "Monthly drills with a surprise scenario worked better for us than long refreshers.",
            ),
        ],
        0,
        [],
    ),
    (
        "newborn-care",
        C,
        FAILED,
        "Chlorhexidine cord care leaflet: mothers did not read it",
        "midwife.coastal",
        False,
        "We printed a leaflet for cord care at discharge. Home visits showed almost no change: most mothers kept applying ash. A leaflet alone is not enough.",
        ["cord care"],
        [
            (
                "practitioner",
                False,
                "We had the same. Showing the mother once with her own baby worked better than any paper.",
            ),
            (
                "national.team",
                False,
                "Thank you for sharing a result that did not work. It saves others the printing costs.",
            ),
        ],
        None,
        [(1, "midwife.coastal", "thanks")],
    ),
    (
        "newborn-care",
        D,
        "",
        "Weighing scales for newborns: which do you trust?",
        "nurse.lakeside",
        False,
        "Our spring scales drift by 100 g. Has anyone found a digital scale that survives daily cleaning?",
        ["equipment"],
        [
            (
                "facility.lead",
                False,
                "We check ours every Monday with a 2 kg bag of salt and write the result on the scale.",
            )
        ],
        None,
        [],
    ),
    (
        "infection-prevention",
        C,
        WORKED,
        "Alcohol rub at every bed: hand hygiene compliance 42% to 78%",
        "qi.member",
        False,
        "We made alcohol hand rub in the pharmacy (WHO formula), put a bottle at every bed and observed 20 moments a week. Compliance rose from 42% to 78% in ten weeks.",
        ["hand hygiene", "infection prevention"],
        [
            (
                "nurse.lakeside",
                False,
                "Who does the observations? Our staff change behaviour when they see the observer.",
            ),
            (
                "qi.member",
                False,
                "We rotate observers from another ward, so nobody knows who is watching.",
            ),
            (
                "coach",
                False,
                "Sharing this at the next Northern Hills collaborative meeting.",
            ),
        ],
        None,
        [
            (0, "nurse.lakeside", "helpful"),
            (0, "coach", "helpful"),
            (0, "midwife.coastal", "tried"),
        ],
    ),
    (
        "infection-prevention",
        Q,
        "",
        "Autoclave tape keeps failing: what do you check first?",
        "practitioner",
        False,
        "Our indicator tape did not change colour twice this week. The technician is away. What should we check before the next cycle?",
        ["sterilisation"],
        [
            (
                "facility.lead",
                False,
                "Door seal and water level first, then that packs are not too tight. Run an empty test cycle and keep the failed packs apart.",
            ),
            (
                "qi.member",
                False,
                "Also check the tape is not expired. Ours was from 2019.",
            ),
        ],
        0,
        [],
    ),
    (
        "infection-prevention",
        C,
        ADAPTED,
        "Surgical site infection surveillance with a phone call on day 10",
        "nurse.lakeside",
        False,
        "We started calling every caesarean mother on day 10. Half the numbers did not work, so we adapted: the community health worker visits instead and reports by SMS.",
        ["surgical site infection", "caesarean section"],
        [
            ("midwife.coastal", False, "What proportion do you reach now?"),
            ("nurse.lakeside", False, "About 85%, up from 48% with calls alone."),
        ],
        None,
        [],
    ),
    (
        "infection-prevention",
        D,
        "",
        "Running water in the labour ward: temporary fixes",
        "midwife.coastal",
        False,
        "Our tap has been dry for a month. We use a bucket with a tap and soap on a rope. Other ideas while we wait for the plumber?",
        ["WASH"],
        [
            (
                "practitioner",
                False,
                "Veronica buckets with a foot-operated tap: the district sent us two within a week after a written request.",
            )
        ],
        None,
        [],
    ),
    (
        "infection-prevention",
        C,
        FAILED,
        "Glove reuse campaign: posters did not change practice",
        "facility.lead",
        False,
        "We tried posters about not reusing gloves between patients. Observations after a month showed no change. Next we will try putting glove boxes at the point of care.",
        ["infection prevention"],
        [
            (
                "qi.member",
                False,
                "Point-of-care supplies changed more for us than any poster.",
            )
        ],
        None,
        [],
    ),
    (
        "maternal-health",
        Q,
        "",
        "Who weighs blood loss after birth, and when?",
        "midwife.coastal",
        False,
        "We want to measure postpartum blood loss instead of estimating. Do you use drapes or weigh pads? Who does it on a busy night?",
        ["postpartum haemorrhage"],
        [
            (
                "nurse.lakeside",
                False,
                "Calibrated drapes under every woman at delivery. The midwife reads them at 15 and 60 minutes; the mark is on the partograph.",
            ),
            (
                "facility.lead",
                False,
                "We weigh pads for women with risk factors only; drapes were out of stock too often.",
            ),
        ],
        0,
        [(0, "midwife.coastal", "helpful")],
    ),
    (
        "maternal-health",
        C,
        WORKED,
        "PPH kit in a box: oxytocin, tranexamic acid and a checklist",
        "facility.lead",
        False,
        "Every delivery room now has a sealed red box with what you need in the first 10 minutes of PPH. We check the seals every morning. Time to first uterotonic fell from 14 to 4 minutes.",
        ["postpartum haemorrhage", "emergency kits"],
        [
            ("midwife.coastal", False, "Where do you keep oxytocin cold?"),
            (
                "facility.lead",
                False,
                "In the fridge, with a note on the box. Only the tranexamic acid and the rest stay in the box.",
            ),
            (
                "practitioner",
                False,
                "We copied this after the collaborative meeting; first drill next week.",
            ),
        ],
        None,
        [(0, "practitioner", "helpful"), (1, "midwife.coastal", "thanks")],
    ),
    (
        "maternal-health",
        D,
        "",
        "Respectful maternity care: companions of choice in labour",
        "national.team",
        False,
        "The national guideline now encourages a companion of choice. What stopped you allowing companions, and what helped?",
        ["respectful maternity care"],
        [
            (
                "nurse.lakeside",
                False,
                "Privacy was the worry. Curtains between beds solved most of it.",
            ),
            (
                "midwife.coastal",
                False,
                "A one-page briefing for companions on what they can and cannot do.",
            ),
        ],
        None,
        [],
    ),
    (
        "maternal-health",
        C,
        ADAPTED,
        "Partograph audit every Friday: we made it shorter",
        "midwife.coastal",
        False,
        "The full audit took two hours. We adapted it to five questions on ten charts, and now it happens every week instead of never.",
        ["labour monitoring", "audit"],
        [
            ("qi.member", False, "Could you share the five questions?"),
            (
                "midwife.coastal",
                False,
                "Started on time; fetal heart every 30 minutes; action line crossed and acted on; blood pressure recorded; oxytocin given after birth.",
            ),
        ],
        None,
        [(1, "qi.member", "helpful")],
    ),
    (
        "maternal-health",
        Q,
        "",
        "Magnesium sulfate: loading dose when there is no infusion pump?",
        "practitioner",
        False,
        "For severe pre-eclampsia, how do you give the IM regimen safely when only one midwife is on duty?",
        ["pre-eclampsia"],
        [
            (
                "facility.lead",
                False,
                "Pabst regimen IM, with the dose chart taped inside the eclampsia box, and reflexes and breathing every hour on a simple sheet.",
            ),
            (
                "coach",
                False,
                "The district pharmacy can pre-label 5 g syringes: ask Ruth.",
            ),
        ],
        0,
        [],
    ),
    (
        "northern-hills-network",
        D,
        "",
        "Agenda for the next collaborative meeting in Kato",
        "coach",
        False,
        "We meet at Kato Health Centre in three weeks. Each facility: one change you tested, one run chart, one question. Reply with your topic.",
        ["collaborative"],
        [
            (
                "facility.lead",
                False,
                "Hillside: the PPH box and our time-to-uterotonic chart.",
            ),
            (
                "qi.member",
                False,
                "Hillside: triage of sick children at the gate, still early days.",
            ),
        ],
        None,
        [],
    ),
    (
        "northern-hills-network",
        C,
        WORKED,
        "Referral slips with a phone number: fewer lost referrals",
        "district.lead",
        False,
        "We added the receiving ward's phone number and a tear-off return slip to referral forms. Returned slips went from 10% to 55%.",
        ["referral"],
        [
            (
                "practitioner",
                False,
                "The return slips tell us what happened to our patients. It motivates the team.",
            )
        ],
        None,
        [(0, "district.lead", "thanks")],
    ),
    (
        "northern-hills-network",
        Q,
        "",
        "Oxygen concentrator maintenance: who does it in your facility?",
        "qi.member",
        False,
        "Two of our three concentrators stopped. Is there a district technician we can call?",
        ["oxygen", "equipment"],
        [
            (
                "district.lead",
                False,
                "Yes: the district biomedical technician visits every second Tuesday. Send the request through the facility lead by Monday.",
            ),
            ("qi.member", False, "Thank you, request sent."),
        ],
        0,
        [],
    ),
    (
        "northern-hills-network",
        C,
        FAILED,
        "WhatsApp reminders for antenatal visits: mothers left the group",
        "practitioner",
        False,
        "We created a group for mothers. It became noisy and most left within a month. Individual SMS may work better.",
        ["antenatal care", "reminders"],
        [
            (
                "coach",
                False,
                "Thank you for writing this up. Which messages did mothers still read?",
            )
        ],
        None,
        [],
    ),
    (
        "lakeside-network",
        Q,
        "",
        "Triage at the gate: who does it when the nurse is on the ward?",
        "nurse.lakeside",
        False,
        "Sick children wait in the queue. Has anyone trained non-clinical staff to spot danger signs?",
        ["triage", "child health"],
        [
            (
                "lead.lakeside",
                False,
                "Marina trained the security guard with a danger-signs card. He calls the nurse for any child with a sign; it worked well.",
            ),
            ("nurse.lakeside", False, "We will ask Marina for the card."),
        ],
        0,
        [],
    ),
    (
        "lakeside-network",
        C,
        WORKED,
        "Morning huddle of 10 minutes: fewer missed vital signs",
        "lead.lakeside",
        False,
        "Standing huddle at 07:30 with the night and day teams. We review who is sick, who is due for observations. Missed vital signs dropped by half.",
        ["huddles", "teamwork"],
        [
            (
                "nurse.lakeside",
                False,
                "The huddle is the only time the doctor and the night nurse talk. It matters.",
            )
        ],
        None,
        [],
    ),
    (
        "lakeside-network",
        D,
        "",
        "Stock-outs of amoxicillin dispersible tablets",
        "nurse.lakeside",
        False,
        "Third month without them. How are other facilities in Lakeside managing?",
        ["medicines"],
        [
            (
                "lead.lakeside",
                False,
                "I raised it with the district store; a delivery is planned. Please send your stock cards so we can show the gap.",
            )
        ],
        None,
        [],
    ),
    (
        "hillside-qi-team",
        D,
        "",
        "Our PDSA on discharge counselling: plan for cycle 2",
        "qi.member",
        False,
        "Cycle 1: counselling checklist at discharge, used for 12 of 30 mothers. For cycle 2 the night midwife does it before the morning round.",
        ["PDSA", "discharge"],
        [
            ("facility.lead", False, "Agreed. Let's count again after two weeks."),
            ("practitioner", False, "I can do the counting on Tuesdays and Fridays."),
        ],
        None,
        [],
    ),
    (
        "hillside-qi-team",
        Q,
        "",
        "Where do we keep the run charts so everyone sees them?",
        "practitioner",
        False,
        "The charts are in the QI folder and nobody looks at them.",
        ["run charts"],
        [
            (
                "facility.lead",
                False,
                "On the wall by the staff tea room, updated on Mondays. People look where they wait for tea.",
            ),
            ("qi.member", False, "And one slide at the monthly meeting."),
        ],
        0,
        [],
    ),
    (
        "hillside-qi-team",
        C,
        ADAPTED,
        "Early warning score: we adapted the chart for maternity",
        "facility.lead",
        False,
        "The adult early warning chart triggered too often after birth. We adapted the thresholds with the obstetric team (MEOWS) and now calls are fewer and earlier.",
        ["early warning score", "maternity"],
        [("qi.member", False, "Staff like the colours. Fewer false alarms at night.")],
        None,
        [],
    ),
    (
        "speak-freely",
        D,
        "",
        "I gave the wrong dose and nobody noticed",
        "safe.poster",
        True,
        "On a busy night I gave double the dose of gentamicin to a newborn. The baby was fine. I told no one. I want to know how others report mistakes without fear.",
        ["medication safety"],
        [
            (
                "moderator",
                False,
                "Thank you for trusting us with this. Many facilities now use a no-blame incident form; a near miss reported is a lesson for everyone.",
            ),
            (
                "safe.poster",
                True,
                "Thank you. I will ask whether ours can be filled in without a name.",
            ),
            (
                "nurse.lakeside",
                False,
                "We colour-coded newborn dose charts after a similar error. It helped.",
            ),
        ],
        None,
        [(0, "nurse.lakeside", "thanks"), (2, "practitioner", "helpful")],
    ),
    (
        "speak-freely",
        D,
        "",
        "Working alone at night in the maternity ward",
        "safe.poster",
        True,
        "Two deliveries at the same time and no one to call. I am exhausted and afraid of missing something.",
        ["staffing", "wellbeing"],
        [
            (
                "midwife.coastal",
                False,
                "You are not alone in this. In our facility the night guard can wake the on-call nurse; ask your lead to agree a call chain.",
            ),
            (
                "safe.poster",
                True,
                "We do not have one. I will raise it at the staff meeting without saying it was me who wrote here.",
            ),
        ],
        None,
        [(0, "safe.poster", "thanks")],
    ),
    (
        "speak-freely",
        Q,
        "",
        "How do I tell my supervisor about a near miss without being blamed?",
        "practitioner",
        True,
        "A colleague almost transfused the wrong blood. It was caught at the bedside. I want it discussed but not as blame.",
        ["patient safety"],
        [
            (
                "safe.poster",
                True,
                "Ask for the case to be discussed at the monthly review as 'a system problem': same-name patients, poor labels. That is how ours worked.",
            ),
            (
                "moderator",
                False,
                "Our guide to no-blame case review is in the library. Focus on what made the error easy.",
            ),
        ],
        0,
        [],
    ),
    (
        "speak-freely",
        D,
        "",
        "A mother died and I keep thinking about it",
        "safe.poster",
        True,
        "It was a PPH. We did everything but the blood came too late. How do you cope?",
        ["wellbeing"],
        [
            (
                "nurse.lakeside",
                False,
                "Talking with colleagues after a death helps. Some facilities hold a short debrief the same week.",
            ),
            (
                "midwife.coastal",
                False,
                "Sending strength. The maternal death review should look at the blood supply, not at you.",
            ),
        ],
        None,
        [],
    ),
    (
        "coaches-circle",
        D,
        "",
        "How we give feedback on run charts without discouraging teams",
        "coach",
        False,
        "Start with what the team learned, not with the target. I ask 'what surprised you?' before anything else.",
        ["coaching"],
        [
            (
                "district.lead",
                False,
                "And never compare facilities by name in a meeting. Compare with their own baseline.",
            ),
            (
                "lead.lakeside",
                False,
                "Good one. I will try 'what surprised you?' next week.",
            ),
        ],
        None,
        [],
    ),
    (
        "coaches-circle",
        Q,
        "",
        "Facilities that stop sending data: what do you do?",
        "lead.lakeside",
        False,
        "Two facilities have not sent indicator data for three months. Visit, call, or wait?",
        ["coaching", "data"],
        [
            (
                "coach",
                False,
                "Visit. Usually the person who entered data left, and nobody else knows the form.",
            ),
            (
                "national.team",
                False,
                "The national team can run a short data session at the next collaborative meeting.",
            ),
        ],
        0,
        [],
    ),
    (
        "coaches-circle",
        C,
        WORKED,
        "Exchange visit Hillside to Kato: triage ideas travelled",
        "coach",
        False,
        "Four Kato staff spent a day at Hillside. Three weeks later Kato started triage at the gate with the same card.",
        ["exchange visit"],
        [("district.lead", False, "Let's budget for two more visits this quarter.")],
        None,
        [],
    ),
]


def _space(slug, name, visibility, org_slug, safe, description, orgs, users) -> Space:
    existing = Space.objects.filter(slug=slug).first()
    if existing:
        return existing
    members = PRIVATE_MEMBERS.get(slug, [])
    space = services.space_create(
        name=name,
        slug=slug,
        visibility=visibility,
        description=description,
        organisation=orgs.get(org_slug) if org_slug else None,
        safe_space=safe,
        creator=users[members[0]] if members else None,
    )
    for key in members[1:]:
        services.space_invite(space=space, user=users[key], by=users[members[0]])
        services.space_invitation_accept(space=space, user=users[key])
    return space


def _seed_department_space(context: dict) -> None:
    """The labour ward's space at Hillside, where the newborn unit asks how the
    handover huddle works."""
    labour = (context.get("departments") or {}).get("Labour ward")
    if labour is None:
        return
    users = context["users"]
    space = services.department_space_open(department=labour, by=users["facility.lead"])
    title = "How we run the handover huddle"
    if Thread.objects.filter(space=space, title=title).exists():
        return
    thread = services.thread_create(
        space=space,
        author=users["practitioner"],
        title=title,
        body="Ten minutes, standing, at the whiteboard by the desk: yesterday's "
        "births, this week's oxytocin-in-a-minute rate, and one thing to watch on "
        "this shift. Nights wanted the board closer to the desk, so we moved it.",
        tags=["teamwork"],
        rate_limited=False,
    )
    services.post_create(
        thread=thread,
        author=users["qi.member"],
        body="The newborn unit starts next week. Do you write the numbers up before "
        "the huddle, or during it?",
        rate_limited=False,
    )
    services.post_create(
        thread=thread,
        author=users["practitioner"],
        body="Before: the outgoing in-charge writes them up in the last half hour, "
        "so the huddle is only talk.",
        rate_limited=False,
    )


def seed(context: dict) -> None:
    users = context["users"]
    orgs = context["organisations"]
    first_new = (
        Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    )
    spaces = {row[0]: _space(*row, orgs=orgs, users=users) for row in SPACES}
    for key, slugs in FOLLOWS.items():
        for slug in slugs:
            services.space_follow(space=spaces[slug], user=users[key])
    for (
        slug,
        kind,
        outcome,
        title,
        author,
        anonymous,
        body,
        tags,
        replies,
        accepted,
        reactions,
    ) in THREADS:
        space = spaces[slug]
        if Thread.objects.filter(space=space, title=title).exists():
            continue
        thread = services.thread_create(
            space=space,
            author=users[author],
            title=title,
            body=body,
            kind=kind,
            outcome=outcome,
            anonymous=anonymous,
            tags=tags,
            rate_limited=False,  # history being imported, not people posting
        )
        posts = [
            services.post_create(
                thread=thread,
                author=users[who],
                body=text,
                anonymous=anon,
                rate_limited=False,
            )
            for who, anon, text in replies
        ]
        if accepted is not None:
            thread.refresh_from_db()
            services.thread_mark_answer(
                thread=thread, post=posts[accepted], by=users[author]
            )
        for index, who, reaction in reactions:
            services.reaction_toggle(post=posts[index], user=users[who], kind=reaction)
    _seed_department_space(context)
    # The demo's notifications are real (the bell shows them), but nobody needs a
    # flood of emails on the console while the seed runs.
    Notification.objects.filter(pk__gt=first_new, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    _seed_chat(spaces, users)
    _seed_polls(users)
    from .conversations.demo import seed as seed_conversations

    seed_conversations(context)
    # The coach reads one space from her inbox (mailing-list mode) and answers there:
    # chosen after the history above, so the seed sends her none of it.
    coach_space = next(iter(FOLLOWS.get("coach", ())), None)
    if coach_space:
        services.space_every_post(
            space=spaces[coach_space], user=users["coach"], on=True
        )
    context["forum_spaces"] = spaces


# space slug -> (who, anonymous, text); ids derive from the slug, so reruns add nothing.
CHATS = {
    "newborn-care": [
        (
            "practitioner",
            False,
            "Morning all. Our KMC room finally has two reclining chairs!",
        ),
        ("nurse.lakeside", False, "Congratulations! How did you get them funded?"),
        (
            "practitioner",
            False,
            "The facility committee, after we showed them the hypothermia audit.",
        ),
        (
            "midwife.coastal",
            False,
            "We are doing the same audit next month, can you share the form? https://example.org/kmc-audit",
        ),
    ],
    "maternal-health": [
        (
            "midwife.coastal",
            False,
            "Anyone tried the PPH bundle trolley from the last webinar?",
        ),
        (
            "qi.member",
            False,
            "Yes, we restock it every shift change. Oxytocin in the fridge, not the trolley.",
        ),
    ],
    "infection-prevention": [
        (
            "qi.member",
            False,
            "Hand-rub at every bed reached 80% compliance this month.",
        ),
        ("nurse.lakeside", False, "What made the difference?"),
        (
            "qi.member",
            False,
            "Bottles clipped to the bed frame, and a weekly tally on the ward door.",
        ),
    ],
    "northern-hills-network": [
        (
            "district.lead",
            False,
            "Collaborative next month: bring your partograph audit numbers.",
        ),
        (
            "facility.lead",
            False,
            "Hillside will present the uterotonic change; the shift is visible now.",
        ),
        ("coach", False, "I can visit Kato on Thursday to help with their run chart."),
    ],
    "hillside-qi-team": [
        (
            "qi.member",
            False,
            "Data for October are in. Please check the breastfeeding numbers.",
        ),
        ("facility.lead", False, "Thanks. Let's discuss at Friday's team meeting."),
    ],
    "speak-freely": [
        (
            "safe.poster",
            True,
            "We had a near miss last night: the oxytocin was not in the fridge.",
        ),
        (
            "practitioner",
            False,
            "Thank you for saying it. That happened to us too before we labelled the shelf.",
        ),
        (
            "safe.poster",
            True,
            "The night shift is so short-staffed that nobody checks the fridge.",
        ),
        (
            "nurse.lakeside",
            True,
            "Same here. We now check it at handover, it takes one minute.",
        ),
        (
            "safe.poster",
            True,
            "I will suggest the handover check. Nobody here needs to know it was me.",
        ),
    ],
    "coaches-circle": [
        (
            "coach",
            False,
            "How do you keep facilities coming every 2-3 months without it feeling like an inspection?",
        ),
        (
            "lead.lakeside",
            False,
            "We let facilities choose the topic and never show league tables.",
        ),
    ],
}


def _seed_chat(spaces: dict, users: dict) -> None:
    import uuid

    from . import chat

    for slug, lines in CHATS.items():
        room = chat.room_for_space(space=spaces[slug])
        for index, (who, anonymous, text) in enumerate(lines):
            chat.message_send(
                room=room,
                author=users[who],
                body=text,
                client_id=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-chat/{slug}/{index}"),
                anonymous=anonymous,
                rate_limited=False,
            )


# Polls in threads: who votes is kept, what they chose only as a count.
POLLS = [
    (
        "Weighing scales for newborns: which do you trust?",
        "nurse.lakeside",
        "Which scale do you weigh newborns on?",
        [
            "A digital baby scale",
            "A hanging spring scale",
            "A beam balance",
            "None that we trust",
        ],
        {0: ["qi.member", "facility.lead"], 1: ["midwife.coastal"], 3: ["coach"]},
    ),
    # Asked by the thread's anonymous author: the poll names nobody either.
    (
        "Working alone at night in the maternity ward",
        "safe.poster",
        "How many midwives are on your night shift?",
        ["One", "Two", "Three or more"],
        {0: ["practitioner", "midwife.coastal"], 1: ["qi.member"]},
    ),
]


def poll_seed(*, by, question, choices, votes, thread=None, room=None):
    """A poll with its votes, once (also for the events demo's webinar)."""
    from . import polls
    from .models import Poll

    found = Poll.objects.filter(thread=thread, room=room, question=question).first()
    if found is not None:
        return found
    poll = polls.ask(
        by=by, question=question, choices=choices, thread=thread, room=room
    )
    options = list(poll.choices.order_by("position"))
    for index, voters in votes.items():
        for voter in voters:
            polls.vote(by=voter, poll=poll, choice_id=options[index].pk)
    return poll


def _seed_polls(users: dict) -> None:
    for title, asker, question, choices, votes in POLLS:
        thread = Thread.objects.select_related("space").get(title=title)
        poll_seed(
            by=users[asker],
            question=question,
            choices=choices,
            thread=thread,
            votes={i: [users[key] for key in keys] for i, keys in votes.items()},
        )
