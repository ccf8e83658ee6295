"""A chat driven as a person uses a messaging app, for any room's page (a space's room,
a webinar's room): they scroll back, are told about new messages, reply to one, lose
the network and get it back, leave and come back to a "new messages" marker.

``person`` is on a 360 px phone; ``peer`` is anyone else in the room. Both pages are
open on the room and live when the journey starts.
"""

import re

from playwright.sync_api import expect


def send(page, text: str) -> None:
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_role("button", name="Send").click()


def status(page):
    return page.locator("[data-chat-status]")


def message(page, text: str):
    return page.locator(".chat-log .chat-msg", has_text=text)


def settled(page, text: str, timeout: int = 15_000):
    """The one message holding ``text``, once the sender's bubble and the server's copy
    have become one (they may arrive in either order)."""
    stored = page.locator(".chat-log .chat-msg[id]", has_text=text)
    expect(stored).to_have_count(1, timeout=timeout)
    found = message(page, text)
    expect(found).to_have_count(1, timeout=timeout)
    return found


def chat_like_a_person(person, peer, reopen, shots=None) -> None:
    """``reopen()`` opens the room again in the person's browser (a new tab)."""
    for page in (person, peer):
        expect(status(page)).to_have_attribute("data-state", "live")
    # Opens on the newest messages, with today's separator above them.
    expect(person.locator(".chat-day").last).to_have_text("Today")
    scroller = person.locator("[data-chat-scroll]")
    assert scroller.evaluate("s => s.scrollHeight - s.scrollTop - s.clientHeight < 48")

    # Scrolled back to read: a new message does not yank the view, a button says so.
    scroller.evaluate("s => { s.scrollTop = 0; }")
    send(peer, "Who has the delivery kit?")
    jump = person.locator("[data-chat-jump]")
    expect(jump).to_be_visible()
    expect(jump).to_have_text("1 new ↓")
    assert scroller.evaluate("s => s.scrollTop") < 48
    jump.click()
    expect(jump).to_be_hidden()
    expect(message(person, "delivery kit")).to_be_in_viewport()

    # Reply to that message: the quote goes with the answer, to everyone.
    message(person, "delivery kit").get_by_role(
        "link", name=re.compile("Reply")
    ).click()
    expect(person.locator("[data-chat-replying]")).to_contain_text("delivery kit")
    send(person, "I have it, in room two.")
    for page in (person, peer):
        answer = settled(page, "in room two")
        expect(answer.locator(".chat-quote")).to_contain_text("delivery kit")
    expect(person.locator("[data-chat-replying]")).to_be_hidden()
    if shots:
        person.screenshot(path=str(shots / "chat-reply-360.png"))

    # The network drops: she is told, what she writes waits in view and goes once
    # when it is back.
    person.context.set_offline(True)
    expect(status(person)).to_have_attribute(
        "data-state", re.compile("offline|reconnecting")
    )
    send(person, "Back in five minutes.")
    waiting = message(person, "Back in five")
    expect(waiting).to_be_visible()
    person.context.set_offline(False)
    sent = settled(person, "Back in five", timeout=40_000)
    expect(sent).to_have_attribute("data-state", "sent")
    settled(peer, "Back in five")

    # She leaves; two messages come; back in the room, a marker shows where she was.
    person.close()
    send(peer, "The kit is back on the shelf.")
    # The message and its acknowledgement may come in either order (on a slow server
    # the send is retried under the same client_id): the bubble becomes one message.
    expect(settled(peer, "back on the shelf")).to_have_attribute("data-state", "sent")
    again = reopen()
    marker = again.locator(".chat-unread")
    expect(marker).to_have_text("New messages")
    following = again.locator(".chat-unread ~ .chat-msg").first
    expect(following).to_contain_text("back on the shelf")
    expect(marker).to_be_in_viewport()
    if shots:
        again.screenshot(path=str(shots / "chat-unread-360.png"))
