"""Following someone in one browser changes the badge in the other person's open page."""

from __future__ import annotations

import itertools
import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up

pytestmark = [pytest.mark.browser, pytest.mark.server]

_n = itertools.count(1)


def test_follow_updates_the_other_persons_badge_live(browser: Browser, shared_server):
    base = shared_server.url
    star_context, fan_context = browser.new_context(), browser.new_context()
    star, fan = star_context.new_page(), fan_context.new_page()
    star_name, fan_name = f"star_{next(_n)}", f"fan_{next(_n)}"
    sign_up(star, base, star_name)
    sign_up(fan, base, fan_name)

    star.goto(base + "/")
    badge = star.locator("#notification-count .badge")
    expect(badge).to_have_class("badge badge-empty")
    star.wait_for_timeout(300)  # the SSE extension connects once the page has loaded

    fan.goto(f"{base}/u/{star_name}")
    fan.get_by_role("button", name=f"Follow {star_name}").click()
    # htmx swapped the buttons and the count in place.
    expect(fan.get_by_role("button", name=f"Unfollow {star_name}")).to_be_visible()
    expect(fan.locator(".counts")).to_contain_text("1 follower")

    expect(badge).to_have_text("1 unread", timeout=10_000)
    screenshot(star, "badge-live")

    star.get_by_role("navigation").get_by_role("link", name="Notifications").click()
    expect(star.get_by_role("main")).to_contain_text(f"{fan_name}")
    expect(star.get_by_role("main")).to_contain_text("followed you.")
    # Seen on the page: marked read by itself, and the badge and the item say so.
    expect(star.locator("#notification-count .badge")).to_have_class("badge badge-empty")
    expect(star.locator(".notification.unread")).to_have_count(0)
    expect(star.get_by_role("button", name="Mark read")).to_have_count(0)
    screenshot(star, "notifications-seen")
    star.get_by_role("button", name="Mark all read").click()
    expect(star.locator("#notification-count .badge")).to_have_class("badge badge-empty")
    star_context.close()
    fan_context.close()


def test_follow_works_without_javascript(browser: Browser, shared_server):
    base = shared_server.url
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    target = f"target_{next(_n)}"
    other = browser.new_context()
    sign_up(other.new_page(), base, target)
    sign_up(page, base, f"nojs_{next(_n)}")
    page.goto(f"{base}/u/{target}")
    page.get_by_role("button", name=f"Follow {target}").click()
    expect(page).to_have_url(f"{base}/u/{target}")
    expect(page.get_by_role("button", name=f"Unfollow {target}")).to_be_visible()
    screenshot(page, "profile")
    context.close()
    other.close()


def test_display_names_are_shown_inert(browser: Browser, shared_server):
    base = shared_server.url
    context = browser.new_context()
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    name = f"xss_{next(_n)}"
    sign_up(page, base, name)
    page.goto(base + "/settings")
    payload = "<img src=x onerror=alert(1)><script>alert(2)</script>"
    page.get_by_label("Display name").fill(payload)
    page.get_by_label("Bio").fill('<a href="javascript:alert(3)" hx-get="/logout">x</a>')
    page.get_by_role("button", name="Save profile").click()
    page.goto(f"{base}/u/{name}")
    expect(page.get_by_role("heading", level=1)).to_have_text(payload)
    page.goto(f"{base}/people?q={name}")
    expect(page.get_by_role("main")).to_contain_text(payload)
    page.wait_for_timeout(300)
    assert dialogs == []
    context.close()


def test_signed_in_pages_fit_a_phone(browser: Browser, shared_server):
    base = shared_server.url
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    name = f"people_phone_{next(_n)}"
    sign_up(page, base, name)
    for path in ("/", f"/u/{name}", "/settings", "/notifications", "/people?q=a", "/live"):
        page.goto(base + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    page.goto(base + "/settings")
    screenshot(page, "phone-settings")
    context.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["laptop", "phone"])
def test_message_from_a_profile_opens_the_conversation(browser: Browser, shared_server, size):
    base = shared_server.url
    width, height = size
    writer_context = browser.new_context(viewport={"width": width, "height": height})
    writer = writer_context.new_page()
    reader_name = f"reader_{next(_n)}"
    other = browser.new_context()
    sign_up(other.new_page(), base, reader_name)
    sign_up(writer, base, f"writer_{next(_n)}")
    writer.goto(f"{base}/u/{reader_name}")
    button = writer.get_by_role("button", name=f"Message {reader_name}")
    expect(button).to_be_visible()
    screenshot(writer, f"profile-message-{width}")
    button.click()
    expect(writer).to_have_url(re.compile(r"/conversations/\d+$"))
    expect(writer.get_by_role("heading", level=1)).to_have_text(reader_name)
    writer_context.close()
    other.close()


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_a_follower_is_suggested_and_followed_back_from_the_home_page(
    browser: Browser, shared_server, size
):
    base = shared_server.url
    contexts = [browser.new_context(viewport={"width": size[0], "height": size[1]}) for _ in "ab"]
    me, fan = (context.new_page() for context in contexts)
    my_name, fan_name = f"back_{next(_n)}", f"fan_{next(_n)}"
    sign_up(me, base, my_name)
    sign_up(fan, base, fan_name)
    fan.goto(f"{base}/u/{my_name}")
    fan.get_by_role("button", name=f"Follow {my_name}").click()
    expect(fan.get_by_role("button", name=f"Unfollow {my_name}")).to_be_visible()

    me.goto(base + "/")
    suggestion = me.locator(".person").filter(has_text=f"@{fan_name}")
    expect(suggestion).to_contain_text("Follows you")
    suggestion.get_by_role("button", name=f"Follow {fan_name}").click()
    expect(suggestion.get_by_role("status")).to_have_text(re.compile("Following"))
    screenshot(me, f"home-followed-back-{size[0]}")
    me.goto(f"{base}/u/{fan_name}")
    expect(me.get_by_role("button", name=f"Unfollow {fan_name}")).to_be_visible()
    for context in contexts:
        context.close()
