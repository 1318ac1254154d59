"""A group's member page in a real Chromium stays true while it is open: the owner adds
someone and both open pages show them, the owner makes a member an admin from the page
and that member's page offers what an admin may do, removals take rows off, and the
member removed is told so in place of the list; an owner who leaves hands the page's
owner tools to the next owner at once, and a mute length being typed survives its row's
redraw. On a desktop and on a phone."""

from __future__ import annotations

import itertools

import pytest
import requests
from playwright.sync_api import Browser, expect

from tests.browser.conftest import screenshot, sign_up, watch_for_errors
from tests.support.clients import register

pytestmark = [pytest.mark.browser, pytest.mark.server]

PASSWORD = "a long password"
_n = itertools.count(1)
SCREENS = [
    pytest.param({"width": 1280, "height": 800}, id="desktop"),
    pytest.param({"width": 390, "height": 844}, id="phone"),
]


def api(base: str, token: str, method: str, path: str, **kwargs) -> dict:
    response = requests.request(
        method,
        base + "/api/v1" + path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
        **kwargs,
    )
    assert response.status_code < 400, response.text
    return response.json() if response.content else {}


class Crew:
    """Two people signed up in their own browsers (`owner` first), the owner's API token,
    and the errors each page logs."""

    def __init__(self, browser: Browser, base: str, screen: dict, owner: str, other: str):
        n = next(_n)
        self.base, self.names = base, (f"{owner}_{n}", f"{other}_{n}")
        self.contexts = [browser.new_context(viewport=screen) for _ in range(2)]
        self.pages = [context.new_page() for context in self.contexts]
        self.errors = [watch_for_errors(page) for page in self.pages]
        for page, name in zip(self.pages, self.names, strict=True):
            sign_up(page, base, name)
        body = {"username": self.names[0], "password": PASSWORD}
        self.token = requests.post(base + "/api/v1/auth/token", json=body, timeout=10).json()[
            "token"
        ]

    def open_group(self, *members: str) -> int:
        """A group "Crew" of the owner's with `members`, its member page open and live in
        both."""
        body = {"kind": "group", "name": "Crew", "members": list(members)}
        made = api(self.base, self.token, "POST", "/conversations", json=body)
        group = made["conversation"]["id"]
        for page in self.pages:
            page.goto(f"{self.base}/conversations/{group}/members")
            expect(page.locator("html")).to_have_attribute("data-stream", "open")
        return group

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_an_open_member_page_follows_its_members(browser: Browser, shared_server, screen):
    crew = Crew(browser, shared_server.url, screen, "crewowner", "crewmate")
    base, (owner, member), (ann, bob), token = crew.base, crew.pages, crew.names, crew.token
    cat = register(base)
    group = crew.open_group(bob)
    count = member.locator(f"#member-count-{group}")
    expect(count).to_contain_text("2 members")

    api(base, token, "POST", f"/conversations/{group}/members", json={"username": cat.username})
    cats = f"#member-{group}-{cat.id}"
    expect(owner.locator(cats).get_by_role("button", name=f"Remove {cat.username}")).to_be_visible()
    expect(member.locator(cats)).to_contain_text(f"@{cat.username}")
    expect(member.get_by_role("button", name=f"Remove {cat.username}")).to_have_count(0)
    expect(count).to_contain_text("3 members")

    owner.get_by_role("button", name=f"Make admin {bob}").click()  # the page's own form
    expect(member.get_by_role("button", name=f"Remove {cat.username}")).to_be_visible()
    expect(member.get_by_role("button", name="Add member")).to_be_visible()
    expect(member.get_by_role("button", name="Save details")).to_be_visible()
    expect(member.locator(f"#member-{group}-{member_id(owner, group, ann)}")).not_to_contain_text(
        "Remove"
    )
    screenshot(member, f"member-list-admin-{screen['width']}")

    api(base, token, "DELETE", f"/conversations/{group}/members/{cat.username}")
    for page in (owner, member):
        expect(page.locator(cats)).to_have_count(0)
    expect(count).to_contain_text("2 members")

    api(base, token, "DELETE", f"/conversations/{group}/members/{bob}")
    expect(member.get_by_role("alert")).to_contain_text(
        f"You were removed from this group by {ann}."
    )
    expect(member.get_by_role("button", name="Leave")).to_have_count(0)
    expect(member.locator(f"li[id^='member-{group}-']")).to_have_count(0)
    screenshot(member, f"member-list-removed-{screen['width']}")
    screenshot(owner, f"member-list-owner-{screen['width']}")
    assert crew.errors == [[], []]
    crew.close()


def member_id(page, group: int, username: str) -> str:
    """The user id in the row of `username` on a member page."""
    row = page.locator(f"li[id^='member-{group}-']").filter(has_text=f"@{username}")
    return row.get_attribute("id").rsplit("-", 1)[1]


@pytest.mark.parametrize("screen", SCREENS)
def test_the_next_owner_gets_the_owners_page_at_once(browser: Browser, shared_server, screen):
    crew = Crew(browser, shared_server.url, screen, "leavingowner", "heir")
    base, (owner, heir), (_, bob), token = crew.base, crew.pages, crew.names, crew.token
    cat = register(base)
    group = crew.open_group(bob, cat.username)
    expect(heir.get_by_role("button", name="Add member")).to_have_count(0)

    # The owner types a mute length for cat while cat's row changes under it.
    minutes = owner.get_by_label(f"Mute for {cat.username}, in minutes")
    minutes.fill("15")
    api(
        base,
        token,
        "POST",
        f"/conversations/{group}/members/{cat.username}/mute",
        json={"minutes": 30},
    )
    expect(owner.locator(f"#member-{group}-{cat.id}")).to_contain_text("Muted until")
    expect(minutes).to_have_value("15")

    owner.get_by_role("button", name="Leave Crew").click()
    expect(heir.get_by_role("button", name="Delete Crew for everyone")).to_be_visible()
    expect(heir.get_by_role("button", name=f"Make admin {cat.username}")).to_be_visible()
    expect(heir.get_by_role("button", name="Add member")).to_be_visible()
    expect(heir.locator(f"#member-{group}-{cat.id}")).to_contain_text("Muted until")
    screenshot(heir, f"member-list-new-owner-{screen['width']}")
    assert crew.errors == [[], []]
    crew.close()
