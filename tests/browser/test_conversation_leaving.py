"""An open conversation page whose viewer is no longer in it says so at once, without a
reload: removed by a manager, left from another tab, or the conversation deleted. Its
message box gives way to the reason and a link back to the list; a reload then explains
too, instead of a bare "Page not found"."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import live, screenshot, sign_up, watch_for_errors
from tests.browser.test_announce_invite_flow import log_in
from tests.support.clients import call_api, register

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 800}}


def two_in_a_group(browser: Browser, base: str, other_options: dict) -> tuple:
    """An owner and another member of a new group, each signed in in their own browser;
    the other has the group's page open, live."""
    owner_context, other_context = (
        browser.new_context(**DESKTOP),
        browser.new_context(**other_options),
    )
    owner, other = owner_context.new_page(), other_context.new_page()
    owner_name, other_name = f"lv_owner_{next(_n)}", f"lv_member_{next(_n)}"
    sign_up(owner, base, owner_name)
    sign_up(other, base, other_name)
    owner.goto(base + "/conversations")
    owner.get_by_label("Group name").fill(f"Leaving {next(_n)}")
    owner.get_by_label("Members").fill(other_name)
    owner.get_by_role("button", name="Create group").click()
    owner.wait_for_url(re.compile(r"/conversations/\d+$"))
    group = int(owner.url.rsplit("/", 1)[1])
    other.goto(f"{base}/conversations/{group}")
    expect(other.locator("[name=body]")).to_be_visible()
    live(other)
    owner.locator("[name=body]").fill("Welcome to the group")
    owner.locator("[name=body]").press("Enter")
    expect(other.get_by_role("link", name=re.compile("^Reply"))).to_have_count(1)
    # Marks this very document: a reload or a navigation would lose it.
    other.evaluate("window.stillTheSamePage = true")
    return group, (owner_context, owner, owner_name), (other_context, other, other_name)


def expect_ended(page: Page, group: int, reason: str) -> None:
    """The page says why, offers the way back, and has no box left to type into."""
    expect(page.get_by_role("alert")).to_contain_text(reason)
    expect(page.locator("[name=body]")).to_have_count(0)
    expect(page.get_by_role("button", name="Send")).to_have_count(0)
    expect(page.get_by_role("link", name="Back to all messages")).to_be_visible()
    expect(page.locator(f"#members-link-{group}")).to_have_count(0)
    expect(page.locator(f"#member-count-{group}")).to_have_count(0)  # it would stay still
    expect(page.get_by_role("link", name=re.compile("^Reply"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile("^Report"))).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage === true"), "the page was reloaded"


def expect_explained_after_reload(page: Page) -> None:
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conversation not available")
    expect(page.get_by_role("main")).to_contain_text("you are not a member of it")
    page.get_by_role("link", name="Back to all messages").click()
    page.wait_for_url(re.compile(r"/conversations$"))


def close(*contexts: BrowserContext) -> None:
    for context in contexts:
        context.close()


def test_a_removed_member_sees_it_on_the_open_page(browser: Browser, shared_server):
    base = shared_server.url
    group, (owner_context, owner, owner_name), (other_context, other, other_name) = two_in_a_group(
        browser, base, DESKTOP
    )
    errors = watch_for_errors(other)
    other.locator("[name=body]").fill("half a thought")

    owner.goto(f"{base}/conversations/{group}/members")
    owner.once("dialog", lambda dialog: dialog.accept())  # "Remove ...?"
    owner.get_by_role("button", name=f"Remove {other_name}").click()
    expect(owner.get_by_role("main")).to_contain_text(f"{other_name} was removed.")

    expect_ended(other, group, f"You were removed from this group by {owner_name}.")
    expect(other.locator(f"#conversation-row-{group}")).to_have_count(0)
    screenshot(other, "conversation-removed-desktop")
    assert errors == []
    expect_explained_after_reload(other)
    close(owner_context, other_context)


def test_leaving_in_another_tab_ends_the_open_page(browser: Browser, shared_server):
    base = shared_server.url
    group, (owner_context, _owner, _), (other_context, other, _) = two_in_a_group(
        browser, base, PHONE
    )
    second_tab = other_context.new_page()
    second_tab.goto(f"{base}/conversations/{group}/members")
    second_tab.on("dialog", lambda dialog: dialog.accept())
    second_tab.get_by_role("button", name=re.compile(r"^Leave")).click()
    second_tab.wait_for_url(re.compile(r"/conversations$"))

    expect_ended(other, group, "You left this group.")
    screenshot(other, "conversation-left-phone")
    close(owner_context, other_context)


def test_a_deleted_conversation_ends_its_open_pages(browser: Browser, shared_server):
    base = shared_server.url
    group, (owner_context, owner, _), (other_context, other, _) = two_in_a_group(
        browser, base, DESKTOP
    )
    owner.goto(f"{base}/conversations/{group}/members")
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_role("button", name=re.compile(r"^Delete.*for everyone$")).click()
    owner.wait_for_url(re.compile(r"/conversations$"))

    expect_ended(other, group, "This group was deleted.")
    expect_explained_after_reload(other)
    close(owner_context, other_context)


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_an_open_notifications_page_stops_offering_the_way_in(
    browser: Browser, shared_server, options
):
    """The invitation ("added you to ...") is redrawn in place once its reader is removed:
    it says they are no longer in it, and its link is gone; a reload says the same."""
    base = shared_server.url
    group, (owner_context, owner, _), (other_context, _other, other_name) = two_in_a_group(
        browser, base, options
    )
    notices = other_context.new_page()
    errors = watch_for_errors(notices)
    notices.goto(base + "/notifications")
    invitation = notices.locator(".notification", has_text="added you to")
    expect(invitation.get_by_role("link", name=re.compile("^Leaving"))).to_be_visible()
    live(notices)

    owner.goto(f"{base}/conversations/{group}/members")
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_role("button", name=f"Remove {other_name}").click()
    expect(owner.get_by_role("main")).to_contain_text(f"{other_name} was removed.")

    expect(invitation).to_contain_text("which you are no longer in")
    expect(invitation.get_by_role("link")).to_have_count(0)
    screenshot(notices, f"invitation-gone-{'phone' if options is PHONE else 'desktop'}")
    notices.reload()
    expect(invitation).to_contain_text("which you are no longer in")
    assert errors == []
    close(owner_context, other_context)


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["laptop", "phone"])
def test_someone_removed_from_a_public_room_reads_it_but_is_not_offered_to_join(
    browser: Browser, shared_server, options
):
    """The room page ends at once; a reload shows the room read-only, saying why there is
    no Join button, until an owner adds them back."""
    base = shared_server.url
    owner, troll = register(base), register(base)
    made = call_api(owner, "POST", "/conversations", json={"kind": "room", "name": "Open house"})
    room = made.json()["conversation"]["id"]
    call_api(troll, "POST", f"/conversations/{room}/join")
    context = browser.new_context(**options)
    page = context.new_page()
    errors = watch_for_errors(page)
    log_in(page, base, troll.username)
    page.goto(f"{base}/conversations/{room}")
    live(page)
    page.evaluate("window.stillTheSamePage = true")

    call_api(owner, "DELETE", f"/conversations/{room}/members/{troll.username}")
    expect_ended(page, room, f"You were removed from this room by {owner.username}.")
    page.reload()
    expect(page.locator(".preview-note")).to_contain_text("You were removed from this room.")
    expect(page.get_by_role("button", name=re.compile("^Join"))).to_have_count(0)
    screenshot(page, f"room-removed-{options['viewport']['width']}")

    call_api(owner, "POST", f"/conversations/{room}/members", json={"username": troll.username})
    page.reload()
    expect(page.locator("[name=body]")).to_be_visible()  # a member again
    assert errors == []
    context.close()
